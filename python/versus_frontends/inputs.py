"""The harness's exported inputs (src/runner/frontend_inputs.h), read and verified.

Every file's CRC-32 is checked against the manifest before anything trains: a frontend that read
other bytes than the C++ tier would silently compare something else.
"""
import io
import json
import pathlib
import zlib

import numpy as np


class InputsMismatch(Exception):
    pass


class Inputs:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        try:
            self.manifest = json.loads((self.folder / "manifest.json").read_text())
        except (OSError, ValueError) as e:
            raise InputsMismatch(f"cannot read the harness's inputs in {self.folder}: {e}") from e
        self.network = self.manifest["network"]
        self.dataset = self.manifest["dataset"]
        self.initial_weights_checksum = self.manifest["initial_weights_checksum"]

    def load(self, entry):
        """One exported array, after checking its bytes are the ones the harness wrote."""
        path = self.folder / entry["file"]
        raw = path.read_bytes()
        crc = zlib.crc32(raw)
        if crc != entry["crc32"] or len(raw) != entry["bytes"]:
            raise InputsMismatch(
                f"{path} is not what the harness wrote (CRC-32 {crc:08x}, manifest {entry['crc32']:08x}): "
                "rerun the training; the inputs folder was changed while it ran")
        # A view of the bytes already read (one copy in memory, read-only), not a second copy.
        header = io.BytesIO(raw)
        version = np.lib.format.read_magic(header)
        if version != (1, 0):
            raise InputsMismatch(f"{path} is .npy version {version}; the harness writes 1.0")
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
        if fortran:
            raise InputsMismatch(f"{path} is in Fortran order, which the harness never writes")
        array = np.frombuffer(raw, dtype=dtype, offset=header.tell()).reshape(shape)
        if list(array.shape) != list(entry["shape"]):
            raise InputsMismatch(f"{path} has shape {list(array.shape)}, the manifest says {entry['shape']}")
        return array

    def parameters(self):
        return [self.load(p) for p in self.manifest["params"]]

    def split(self, name):
        return self.load(self.manifest[f"{name}_x"]), self.load(self.manifest[f"{name}_y"])

    def orders(self):
        return self.load(self.manifest["order"])
