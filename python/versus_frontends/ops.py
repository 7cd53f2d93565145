"""The Python tier's op cases: the dispatch op (one float32 addition) as a user of each frontend
calls it, validated against the harness's reference before it is timed, then timed with the C++
workers' loop (worker/timing.cc): warm up, calibrate the iterations per sample, take samples."""
import os
import time
import zlib

import numpy as np

from .protocol import Unsupported


def dispatch_callable(framework, mode, a, b):
    """A no-argument call that runs Y = A + B once through the frontend and returns Y (on the host
    only when asked: the timed call returns the framework's own result, synchronised)."""
    if framework == "torch":
        import torch
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        add = torch.compile(torch.add) if mode == "compile" else torch.add
        return (lambda: add(ta, tb)), (lambda y: y.numpy())
    if framework == "tensorflow":
        import keras
        import tensorflow as tf
        ta, tb = tf.constant(a), tf.constant(b)
        if mode in ("keras", "keras-eager"):  # what a Keras 3 user calls: keras.ops, eager
            return (lambda: keras.ops.add(ta, tb)), (lambda y: y.numpy())
        step = tf.function(lambda x, y: tf.add(x, y), jit_compile=mode == "keras-xla")
        return (lambda: step(ta, tb)), (lambda y: y.numpy())
    if framework == "mxnet":
        import mxnet as mx
        from mxnet import gluon
        na, nb = mx.nd.array(a), mx.nd.array(b)
        if mode == "gluon-hybridized":
            class Add(gluon.HybridBlock):
                def hybrid_forward(self, F, x, y):
                    return F.elemwise_add(x, y)
            block = Add()
            block.hybridize(static_alloc=True, static_shape=True)

            def run():
                y = block(na, nb)
                y.wait_to_read()  # MXNet's engine is asynchronous: the op ends when its result is ready
                return y
        else:
            def run():
                y = mx.nd.elemwise_add(na, nb)
                y.wait_to_read()
                return y
        return run, (lambda y: y.asnumpy())
    raise Unsupported(f"{framework} has no Python tier in versus")


def time_op(run, timing):
    warmup_iterations, start = 0, time.perf_counter()
    while (warmup_iterations < timing.get("warmup_min_iterations", 3)
           or time.perf_counter() - start < timing.get("warmup_min_seconds", 0.2)):
        run()
        warmup_iterations += 1
    warmup_seconds = time.perf_counter() - start
    iterations = 1
    for _ in range(2):  # two calibration rounds, keeping the larger count, as worker/timing.cc
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < timing.get("min_sample_seconds", 0.01):
            run()
            n += 1
        iterations = max(iterations, n)
    samples = []
    for _ in range(timing.get("samples", 10)):
        start = time.perf_counter()
        for _ in range(iterations):
            run()
        samples.append((time.perf_counter() - start) / iterations)
    return {"samples_seconds": samples, "iterations_per_sample": iterations,
            "warmup_iterations": warmup_iterations, "warmup_seconds": warmup_seconds}


def status_mib(name):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024.0
    return None


class PeakMemory:
    """What one call adds to resident memory at its peak, as worker/peak_memory.h measures it: the
    kernel's high-water mark reset (5 into /proc/self/clear_refs), then read after the call."""

    def __init__(self):
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self.start = status_mib("VmRSS")
        except OSError:
            self.start = None

    def increase_mib(self):
        peak = status_mib("VmHWM") if self.start is not None else None
        return None if peak is None else max(0.0, peak - self.start)


def run_load_case(framework, frontend, case):
    """The load op: the files the runner wrote, read with the frontend's reader (loaders.py), checked by
    the CRC-32 of the bytes read against those written, then timed."""
    from .loaders import LOADERS, to_bytes
    fmt, n, pixels = case["params"]["format"], int(case["params"].get("samples", 10000)), int(case["pixels"])
    frontend.set_threads(int(case.get("threads", 1)))
    t0 = time.perf_counter()
    run, scale, api = LOADERS[framework](fmt, case["files"], n, pixels)
    prepare_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    peak = PeakMemory()
    images, labels = run()
    first_run_seconds = time.perf_counter() - t0
    first_run_memory_mib = peak.increase_mib()
    image_bytes, label_bytes = to_bytes(images, scale), to_bytes(labels, 1.0)
    read = None
    if image_bytes is not None and label_bytes is not None and image_bytes.shape == (n, pixels) and label_bytes.shape == (n,):
        read = {"images": zlib.crc32(image_bytes.tobytes()), "labels": zlib.crc32(label_bytes.tobytes())}
    passed = read == case["expected_crc32"]
    detail = "" if passed else (
        f"read {read} (CRC-32), written {case['expected_crc32']}" if read else
        f"the reader gave images {tuple(np.shape(images))} and labels {tuple(np.shape(labels))} that are not the "
        f"{n}x{pixels} bytes written (a value outside 0..255 or not a number: a gap filled, a field misread)")
    out = {"variant": case["mode"], "prepare_seconds": prepare_seconds, "first_run_seconds": first_run_seconds,
           "validation": {"passed": passed, "metric": "CRC-32 of the bytes read", "detail": detail,
                          "max_rel_error": 0.0 if passed else 1.0, "max_abs_error": 0.0 if passed else 1.0,
                          "tolerance": 0.0},
           "framework": frontend.describe(), "threads_used": frontend.threads_used(), "tier": "python",
           "outputs_crc32": read, "mode_report": {"api": api}}
    if first_run_memory_mib is not None:
        out["first_run_memory_mib"] = first_run_memory_mib
    if not passed:
        out.update(status="validation_failed", reason=f"the {api} result differs from the bytes written: {detail}")
        return out
    out.update(time_op(run, case.get("timing", {})))
    out["status"] = "ok"
    return out


def run_case(framework, frontend, case):
    if case["op"] == "load":
        return run_load_case(framework, frontend, case)
    if case["op"] != "dispatch":
        raise Unsupported(f"the Python tier runs training, the dispatch and the load op; '{case['op']}' is C++-tier only")
    if case.get("device", "cpu") != "cpu" or case.get("dtype", "float32") != "float32":
        raise Unsupported("the Python tier's dispatch case runs float32 on the CPU")
    mode = case["mode"]
    frontend.set_threads(int(case.get("threads", 1)))
    a, b = (np.asarray(t["data"], dtype=np.float32).reshape(t["shape"]) for t in case["inputs"])
    t0 = time.perf_counter()
    run, to_host = dispatch_callable(framework, mode, a, b)
    prepare_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    y = to_host(run())
    first_run_seconds = time.perf_counter() - t0
    if os.environ.get("VERSUS_TEST_CORRUPT_OUTPUT"):  # test-only, as the C++ workers' hook: a wrong result
        y = y + 1
    # Correctness first, as every C++ worker: a result that was not checked is never timed.
    error = abs(float(y.reshape(-1)[0]) - case["reference"][0]) / max(case["error_scale"], 1e-30)
    validation = {"passed": error <= case["tolerance"], "max_rel_error": error, "max_abs_error": error * case["error_scale"],
                  "tolerance": case["tolerance"], "metric": "|Y-ref| / (|A|+|B|)", "detail": ""}
    out = {"variant": mode, "prepare_seconds": prepare_seconds, "first_run_seconds": first_run_seconds,
           "validation": validation, "framework": frontend.describe(), "threads_used": frontend.threads_used(),
           "outputs": [y.reshape(-1).astype(float).tolist()], "tier": "python",
           "mode_report": {"api": {"torch": "torch.add" if mode == "python" else "torch.compile(torch.add)",
                                   "tensorflow": "keras.ops.add (eager)" if mode in ("keras", "keras-eager")
                                   else f"tf.function(tf.add, jit_compile={mode == 'keras-xla'})",
                                   "mxnet": "HybridBlock, hybridized" if mode == "gluon-hybridized"
                                   else "mx.nd.elemwise_add (imperative)"}[framework]}}
    if not validation["passed"]:
        out["status"] = "validation_failed"
        out["reason"] = f"result differs from the reference: max error {error} > tolerance {case['tolerance']}"
        return out
    out.update(time_op(run, case.get("timing", {})))
    out["status"] = "ok"
    return out
