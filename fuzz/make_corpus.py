#!/usr/bin/env python3
"""Writes the seed corpora, fuzz/corpus/<target>/: a few small valid inputs per fuzz target, in the
input format its LLVMFuzzerTestOneInput comment describes. The same bytes every time (gzip without a
timestamp), so rerunning it changes nothing unless this file changed. Run from anywhere:
    python3 fuzz/make_corpus.py
"""
import gzip
import json
import pathlib
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent


def idx(dims, data):
    """An unsigned-byte IDX file: magic 0x0000080<rank>, big-endian sizes, the bytes."""
    return struct.pack(">I", 0x0800 | len(dims)) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def gz(raw):
    return gzip.compress(raw, compresslevel=1, mtime=0)


def corpus():
    c = {}
    images = idx([2, 3, 3], range(18))
    labels = idx([3], [0, 9, 4])
    # idx_fuzzer: byte 0 = (rank - 1) | storage << 2 (0 raw, 1 gzipped by the target, 2 as a .gz)
    c["idx_fuzzer"] = {
        "images-raw": bytes([2]) + images,
        "labels-raw": bytes([0]) + labels,
        "images-gzip": bytes([2 | 1 << 2]) + images,
        "labels-gz-file": bytes([0 | 2 << 2]) + gz(labels),
        "images-gz-file": bytes([2 | 2 << 2]) + gz(images),
    }
    # cifar_fuzzer: test_batch.bin; one 3073-byte record (label, then 3x32x32 pixels)
    record = bytes([7]) + bytes((i * 7) % 256 for i in range(3072))
    c["cifar_fuzzer"] = {"one-record": record, "truncated": record[:100]}
    # imdb_fuzzer: sequence length, vocabulary, then NUL-separated: a file name and four reviews
    reviews = [b"Dreadful. Boring plot, <br />wooden acting.", b"A great film: great cast, GREAT score!",
               b"boring and dreadful<br/>", b"great fun"]
    c["imdb_fuzzer"] = {
        "tree": bytes([8, 12]) + b"\0".join([b"12_7"] + reviews),
        "long-reviews": bytes([3, 200]) + b"\0".join([b"9_10"] + [r * 3 for r in reviews]),
    }
    # suite_fuzzer: suite files (suites/*.json, smaller) and a suite.json as the runner writes it
    c["suite_fuzzer"] = {
        "quick": json.dumps({
            "name": "tiny", "description": "fuzz seed", "quick": True, "backends": ["native", "torch"],
            "threads": "cores", "cases": [
                {"op": "gemm", "sizes": [64, 128], "why": "square"},
                {"op": "gemm", "params": {"m": 32, "n": [16, 32], "k": 8, "trans_b": [False, True]}},
                {"op": "relu", "params": {"n": 1024}, "directions": ["forward", "backward"]},
                {"op": "conv2d", "params": {"n": 2, "c": 3, "h": 8, "w": 8, "k": 4, "r": 3, "s": 3, "stride": 1,
                                            "pad": 1}, "directions": ["forward", "backward"]},
            ]}, indent=1).encode(),
        "networks": json.dumps({
            "name": "nets", "backends": ["native:openblas", "mxnet"], "threads": [1, 2], "devices": ["cpu"],
            "processes": 2, "timeout_seconds": 30, "networks": [{"network": "mlp", "batch": 8}],
            "cases": [{"op": "max_pool", "params": {"n": 1, "c": 2, "h": 4, "w": 4, "window": 2, "stride": 2,
                                                    "pad": 0}, "dtype": "float32"}]}, indent=1).encode(),
        "resume": json.dumps({
            "schema": "versus.suite/1", "name": "tiny", "description": "",
            "settings": {"processes": 3, "timeout_seconds": 600.0, "memory_limit_bytes": 0, "quick": False},
            "notes": ["native:eigen has no relu: not planned"],
            "cases": [{"op": "gemm", "params": {"m": 64, "n": 64, "k": 64}, "dtype": "float32", "device": "cpu",
                       "direction": "forward", "backend": "native", "variant": "openblas", "threads": 2,
                       "seed": 42, "timing": {"warmup_min_iterations": 3, "warmup_min_seconds": 0.2,
                                              "samples": 10, "min_sample_seconds": 0.01}}]}).encode(),
    }
    # network_fuzzer: the network files that fit in a seed
    c["network_fuzzer"] = {p.stem: p.read_bytes() for p in sorted((ROOT / "networks").glob("*.json"))
                           if p.stat().st_size < 4096}
    # results_fuzzer: byte 0 picks the file of an op folder (0 its run, 1 suite.json, 2 context.json);
    # training_report_fuzzer: of a training folder (0 a run, 1 training.json, 2 parity.json, 3 context.json)
    ops, train = FUZZ / "fixtures/results/ops", FUZZ / "fixtures/results/train"
    c["results_fuzzer"] = {
        "run": b"\0" + (ops / "runs/gemm-64-native.json").read_bytes(),
        "suite": b"\1" + (ops / "suite.json").read_bytes(),
        "context": b"\2" + (ops / "context.json").read_bytes(),
    }
    c["training_report_fuzzer"] = {
        "run": b"\0" + (train / "runs/torch.json").read_bytes(),
        "training": b"\1" + (train / "training.json").read_bytes(),
        "parity": b"\2" + (train / "parity.json").read_bytes(),
        "context": b"\3" + (train / "context.json").read_bytes(),
    }
    # worker_reply_fuzzer: byte 0 = started | timed out << 1 | cancelled << 2 | SIGSEGV << 3 |
    # memory limit << 4 | exit code << 5; then stdout, NUL, stderr tail
    ok = b'{"progress": {"phase": "warmup"}}\n{"status": "ok", "samples_seconds": [0.1, 0.2], "iterations_per_sample": 4}\n'
    c["worker_reply_fuzzer"] = {
        "ok": bytes([1]) + ok + b"\0",
        "crash": bytes([1 | 8]) + b'{"progress": 1}\n\0loading\nSegmentation fault\n',
        "error-oom": bytes([1 | 16 | 1 << 5]) + b'{"status": "error", "reason": "std::bad_alloc"}\n\0terminate: std::bad_alloc\n',
        "timeout": bytes([1 | 2]) + b"\0still going\n",
        "not-started": bytes([0]) + b"\0",
    }
    # launcher_env_fuzzer: NAME=value lines
    c["launcher_env_fuzzer"] = {
        "slurm": b"SLURM_PROCID=1\nSLURM_NTASKS=4\nSLURM_STEP_NODELIST=node[03-05,7],gpu1\nSLURM_JOB_ID=4242\nSLURM_STEP_ID=0\n",
        "openmpi": b"OMPI_COMM_WORLD_RANK=0\0OMPI_COMM_WORLD_SIZE=2\0MASTER_ADDR=10.0.0.1\0PMIX_NAMESPACE=prterun-host-1@1\0",
        "env": b"RANK=3\nWORLD_SIZE=4\nMASTER_ADDR=host0\nTORCHELASTIC_RUN_ID=run7\n",
    }
    return c


def main():
    for target, seeds in corpus().items():
        folder = FUZZ / "corpus" / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            assert len(data) < 4096, (target, name, len(data))
            (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
