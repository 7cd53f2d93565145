"""The training loop of the Python tier: worker/train_loop.cc's, step for step.

The frontend trains; this loop hands it each epoch's samples in the harness's order, times and
records every step through the frontend's callback, evaluates after every epoch, measures inference
and replies with the same document the C++ workers do (worker/train_loop.h).
"""
import math
import os
import sys
import time

import numpy as np

from .inputs import Inputs
from .protocol import Unsupported

FNV_OFFSET = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3
MASK = (1 << 64) - 1
# nets/network.h's OptimizerSpec defaults, for a request that leaves a field out.
OPTIMIZER_DEFAULTS = {"kind": "momentum", "learning_rate": 0.01, "momentum": 0.9, "beta1": 0.9, "beta2": 0.999,
                      "epsilon": 1e-7}


def order_checksum(h, indices):
    """FNV-1a over the sample indices, as the C++ loop hashes its batch order."""
    for i in indices.tolist():
        h = ((h ^ i) * FNV_PRIME) & MASK
    return h


def score(network, logits, labels):
    """Summed loss (float64) and correct predictions, as worker/train_loop.cc scores."""
    labels = labels.astype(np.float64)
    if network["loss"] == "sigmoid_cross_entropy":
        x = logits.reshape(-1).astype(np.float64)
        loss = np.maximum(x, 0) - x * labels + np.log1p(np.exp(-np.abs(x)))
        return float(loss.sum()), int(((x > 0) == (labels > 0.5)).sum())
    rows = logits.reshape(len(labels), network["classes"]).astype(np.float64)
    m = rows.max(axis=1)
    lse = m + np.log(np.exp(rows - m[:, None]).sum(axis=1))
    ids = labels.astype(np.int64)
    loss = lse - rows[np.arange(len(ids)), ids]
    return float(loss.sum()), int((rows.argmax(axis=1) == ids).sum())


def evaluate(model, network, x, y, batch):
    t0 = time.perf_counter()
    loss_sum, correct = 0.0, 0
    for begin in range(0, len(x), batch):
        l, c = score(network, model.predict(x[begin:begin + batch]), y[begin:begin + batch])
        loss_sum += l
        correct += c
    n = max(len(x), 1)
    return {"test_loss": loss_sum / n, "test_accuracy": correct / n, "eval_seconds": time.perf_counter() - t0}


def measure_inference(model, x, settings):
    runs = int(settings.get("latency_runs", 50))
    big = min(int(settings.get("batch", 256)), len(x))
    latency, throughput = [], []
    for r in range(runs + 5):  # five warm-up runs
        at = r % len(x)
        sample = x[at:at + 1]
        t0 = time.perf_counter()
        model.predict(sample)
        if r >= 5:
            latency.append(time.perf_counter() - t0)
    for r in range(7):
        t0 = time.perf_counter()
        model.predict(x[:big])
        if r >= 2:
            throughput.append(time.perf_counter() - t0)
    return {"latency_batch": 1, "latency_seconds": latency, "throughput_batch": big,
            "throughput_seconds": throughput}


def channels_last(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if x.ndim == 4 else x


def run_training(framework, frontend, request, progress):
    inputs = Inputs(request["inputs"])
    network = inputs.network
    optimizer = {**OPTIMIZER_DEFAULTS, **request["optimizer"]}
    batch = int(request["batch"])
    epochs = int(request["epochs"])
    max_steps = int(request.get("max_steps", 0))
    device = request.get("device", "cpu")
    mode = request["mode"]
    threads = int(request.get("threads", 1))
    pipeline = request.get("pipeline", "memory")  # how each epoch's batches are fed (the frontends' PIPELINES)
    if request.get("distributed"):
        raise Unsupported(f"the Python tier of {framework} does not run distributed jobs in versus yet")
    frontend.set_threads(threads)

    params = inputs.parameters()
    train_x, train_y = inputs.split("train")
    test_x, test_y = inputs.split("test")
    test_x = np.array(test_x)  # a writable copy (the inputs are read-only views): frameworks may wrap it without copying
    orders = inputs.orders()

    t0 = time.perf_counter()
    model = frontend.build(network, params, optimizer, mode, device)
    build_seconds = time.perf_counter() - t0
    if model.channels_last:  # as a Keras user's arrays come: converted once, before anything is timed
        train_x, test_x = channels_last(train_x), channels_last(test_x)

    steps_per_epoch = len(train_x) // batch  # the short tail is dropped
    if steps_per_epoch < 1:
        raise ValueError(f"batch {batch} is larger than the {len(train_x)} training samples")
    total_steps = min(max_steps, steps_per_epoch * epochs) if max_steps > 0 else steps_per_epoch * epochs
    epochs_run = (total_steps + steps_per_epoch - 1) // steps_per_epoch

    step_seconds, step_losses, epochs_out = [], [], []
    state = {"step": 0, "last_progress": time.perf_counter(), "epoch": 0, "loss_sum": 0.0}
    train_start = time.perf_counter()
    fault = os.environ.get("VERSUS_TEST_RAISE_TRAINING")

    def on_step(loss, seconds):
        state["step"] += 1
        if not math.isfinite(loss):
            raise RuntimeError(f"the loss became {loss} at step {state['step']}: training diverged")
        step_seconds.append(seconds)
        step_losses.append(loss)
        state["loss_sum"] += loss
        if fault == f"{framework}:{mode}" and state["step"] == 2:  # test-only: a frontend that raises
            raise RuntimeError("test hook VERSUS_TEST_RAISE_TRAINING raised at step 2")
        now = time.perf_counter()
        if now - state["last_progress"] > 2.0:
            state["last_progress"] = now
            progress({"epoch": state["epoch"], "epochs": epochs_run, "step": state["step"], "steps": total_steps,
                      "loss": loss, "elapsed_seconds": now - train_start})

    order_hash = FNV_OFFSET
    for epoch in range(1, epochs_run + 1):
        steps = min(steps_per_epoch, total_steps - state["step"])
        indices = orders[epoch - 1][:steps * batch]
        order_hash = order_checksum(order_hash, indices)
        x, y = train_x[indices], train_y[indices]  # gathered before the epoch: no step pays for it
        state["epoch"], state["loss_sum"] = epoch, 0.0
        before = state["step"]
        epoch_start = time.perf_counter()
        model.train_epoch(x, y, batch, on_step, pipeline)
        epoch_seconds = time.perf_counter() - epoch_start
        done = state["step"] - before
        if done != steps:
            raise RuntimeError(f"{framework}:{mode} reported {done} steps for an epoch of {steps}")
        e = {"epoch": epoch, "steps": done, "seconds": epoch_seconds,
             "samples_per_second": done * batch / epoch_seconds, "train_loss": state["loss_sum"] / max(done, 1)}
        if request.get("evaluate", True):
            e.update(evaluate(model, network, test_x, test_y, max(batch, 256)))
        progress({"epoch": epoch, "epochs": epochs_run, "step": state["step"], "steps": total_steps,
                  "epoch_done": e, "elapsed_seconds": time.perf_counter() - train_start})
        epochs_out.append(e)
    train_seconds = time.perf_counter() - train_start

    describe = frontend.describe()
    describe["python"] = sys.version.split()[0]
    describe["numpy"] = np.__version__
    describe["tier"] = "python"
    out = {
        "status": "ok",
        "network": network["name"],
        "parameters": int(sum(p.size for p in params)),
        "dataset": {k: inputs.dataset[k] for k in ("name", "origin", "synthetic", "train", "test")},
        "optimizer": request["optimizer"],
        "batch": batch,
        "device": device,
        "seed": request.get("seed", 1),
        "initial_weights_checksum": inputs.initial_weights_checksum,
        "batch_order_checksum": f"{order_hash:016x}",
        "build_seconds": build_seconds,
        "first_step_seconds": step_seconds[0],
        "step_seconds": step_seconds,
        "step_losses": step_losses,
        "epochs": epochs_out,
        "train_seconds": train_seconds,
        "framework": describe,
        "threads_used": frontend.threads_used(),
        "mode": mode,
        "pipeline": pipeline,
        "mode_report": model.mode_report(),
        "tier": "python",
    }
    exemption = getattr(model, "parity_exemption", None)
    if exemption:
        out["parity_exemption"] = exemption
    if "inference" in request:
        out["inference"] = measure_inference(model, test_x, request["inference"])
    if request.get("profile"):
        out["profile"] = {"available": False, "error": "the Python tier has no profiler hook in versus yet"}
    if request.get("return_parameters"):
        out["final_parameters"] = [
            {"name": spec["name"], "shape": list(p.shape), "data": p.astype(np.float32).reshape(-1).tolist()}
            for spec, p in zip(inputs.manifest["params"], model.parameters())]
    return out
