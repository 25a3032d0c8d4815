"""What produced a tracker folder's raw results, so a resumed run never mixes two trackers' files.

Beside ``fps.csv`` every evaluated folder has ``provenance.json``: the identities that wrote
sequences there (:func:`run_identity`: the tracker's config after ``extends``, its checkpoint's and
plug-in source's sha256, random weights or not, the protocol and its options), keyed by a short
digest. Each sequence's speed record (:mod:`.speed`) names the digest that produced it, and its
frame count is the run's frame limit. The runner compares them before trusting a complete sequence:
a change is one :class:`~crpnbench.errors.ConfigError` saying what changed and offering ``--force``
or another ``--out``. Weights are compared by content (:func:`same_identity`): the same checkpoint at
another path (a moved results tree, another working folder) is the same tracker.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from crpnbench.atomic import write_text_atomic
from crpnbench.errors import DataError
from crpnbench.evaluation.speed import speed_lock

#: the file beside ``fps.csv``
PROVENANCE_FILE = "provenance.json"
#: protocol attributes that change its results
PROTOCOL_OPTIONS = ("init", "reinit_gap", "clip_to_image", "fps", "rule", "grace")


def run_identity(spec, protocol, batch_sequences: int = 1) -> dict:
    """The identity of ``spec`` run under ``protocol`` (JSON-able).

    ``batch_sequences`` (``eval --batch-sequences``) is part of it under the real-time protocol only, and
    only when it batches this tracker (:func:`batches_sequences`; more than 1): there a sequence's update
    is charged the whole batched step, so the batch size changes which frames the tracker sees. A batch
    of 1 is recorded as nothing (folders written before this rule keep their identity). Under OPE and
    the other VOT experiments the files do not depend on it, so their folders stay interchangeable
    between batch sizes."""
    options = {k: getattr(protocol, k) for k in PROTOCOL_OPTIONS if hasattr(protocol, k)}
    if protocol.name == "realtime" and int(batch_sequences) > 1 and batches_sequences(spec):
        options["batch_sequences"] = int(batch_sequences)
    return {**spec.provenance(), "protocol": {"name": protocol.name, **options}}


def batches_sequences(spec) -> bool:
    """Whether ``--batch-sequences`` puts ``spec``'s sequences in one lock-step batch: a C-RPN tracker (a
    C-RPN config, or a plug-in or class deriving from ``CRPNTracker``). Other trackers run one sequence
    at a time whatever the batch size (:func:`crpnbench.evaluation.batched.run_batched`). A factory
    function's tracker is known only once built: it counts as batched."""
    if spec.is_crpn:
        return True
    made = spec.factory
    if made is None and isinstance(spec.target, str):
        from crpnbench.tracking.plugin import is_plugin_spec, load_plugin_class

        if spec.target.endswith(".toml") or not is_plugin_spec(spec.target):
            return False
        made = load_plugin_class(spec.target)
    if made is None:
        return False
    if isinstance(made, type):
        from crpnbench.tracking.crpn_tracker import CRPNTracker

        return issubclass(made, CRPNTracker)
    return True


def identity_digest(identity: dict) -> str:
    """A short, stable digest of an identity."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]


def provenance_path(fps_file: Path) -> Path:
    return Path(fps_file).parent / PROVENANCE_FILE


def read_provenance(fps_file: Path) -> dict | None:
    """``{digest: identity}`` recorded in the folder, or None when it has no ``provenance.json``."""
    path = provenance_path(fps_file)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        identities = data["identities"]
        if not isinstance(identities, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise DataError("not a provenance file written by crpnbench eval (delete it to adopt the folder's "
                        "results as they are)", path=path) from None
    except OSError as error:
        raise DataError(f"cannot read: {error.strerror}", path=path) from None
    return identities


def record_provenance(fps_file: Path, digest: str, identity: dict) -> None:
    """Add ``identity`` to the folder's ``provenance.json`` (under the folder's lock)."""
    with speed_lock(fps_file):
        identities = read_provenance(fps_file) or {}
        if identities.get(digest) == json.loads(json.dumps(identity, default=str)) and \
                next(reversed(identities), None) == digest:
            return
        identities.pop(digest, None)
        identities[digest] = identity  # the latest last
        text = json.dumps({"identities": identities}, indent=2, sort_keys=False, default=str) + "\n"
        write_text_atomic(provenance_path(fps_file), text)


#: identity keys that say where a file lies, not what it holds: with ``checkpoint_sha256`` recorded on both
#: sides, the weights are compared by content, so the same checkpoint copied or moved (another working
#: folder, an absolute instead of a relative path) is the same tracker
LOCATION_KEYS = ("config.checkpoint",)


def same_identity(old: dict | None, new: dict) -> bool:
    """Whether ``old`` (read from a folder's ``provenance.json``) and ``new`` produce the same results: equal,
    or equal but for :data:`LOCATION_KEYS` where both record the checkpoint's sha256."""
    if old is None:
        return False
    before, after = _flatten(old), _flatten(json.loads(json.dumps(new, default=str)))
    if "checkpoint_sha256" in before and "checkpoint_sha256" in after:
        for key in LOCATION_KEYS:
            before.pop(key, None)
            after.pop(key, None)
    return before == after


def describe_change(old: dict | None, new: dict) -> str:
    """What differs between two identities, e.g. ``config.params.detect_thresh 0.2 -> 0.3``."""
    if old is None:
        return "produced by an identity no longer recorded"
    before, after = _flatten(old), _flatten(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        if before.get(key, "(none)") != after.get(key, "(none)"):
            a, b = before.get(key, "(none)"), after.get(key, "(none)")
            if key.endswith("sha256"):
                a, b = (str(v)[:12] for v in (a, b))
            changes.append(f"{key} {a} -> {b}")
    return "; ".join(changes[:5]) + (f"; ... (+{len(changes) - 5})" if len(changes) > 5 else "")


def _flatten(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): json.dumps(value, default=str) if isinstance(value, list) else value}


__all__ = ["LOCATION_KEYS", "PROVENANCE_FILE", "batches_sequences", "describe_change", "identity_digest",
           "read_provenance", "record_provenance", "run_identity", "same_identity"]
