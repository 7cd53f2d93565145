"""PyTorch as its users write it: torch.nn modules built from the network's layers, torch.optim,
loss.backward() — in eager mode, or with torch.compile."""
import time

import numpy as np
import torch
from torch import nn

from .protocol import Unsupported
from .token_mask import TokenMask


def describe():
    return {"framework": "torch", "version": torch.__version__, "frontend": "torch (Python)",
            "build": {"cuda": torch.version.cuda, "mkldnn": torch.backends.mkldnn.is_available(),
                      "mkl": torch.backends.mkl.is_available(), "openmp": torch.backends.openmp.is_available()},
            "library": torch.__file__}


def set_threads(threads):
    torch.set_num_threads(threads)


def threads_used():
    return {"intra_op": torch.get_num_threads(), "inter_op": torch.get_num_interop_threads()}


# loc: begin layer lstm

PIPELINES = ("memory", "dataloader", "dataloader-workers")


def as_class_ids(labels):
    return labels.long() if isinstance(labels, torch.Tensor) else labels.astype(np.int64)


def torch_batches(x, y, batch, pipeline):
    """An epoch's batches, in the order given, as a PyTorch user feeds them: memory slices the arrays;
    dataloader is torch.utils.data.DataLoader over a TensorDataset (no shuffling: the order is the
    harness's), in the training process (num_workers=0) or in one worker process (dataloader-workers,
    num_workers=1); pin_memory is off on the CPU."""
    if pipeline == "memory":
        return ((x[b:b + batch], y[b:b + batch]) for b in range(0, len(x) - batch + 1, batch))
    if pipeline in ("dataloader", "dataloader-workers"):
        from torch.utils.data import DataLoader, TensorDataset
        return DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch, shuffle=False,
                          drop_last=True, num_workers=1 if pipeline == "dataloader-workers" else 0, pin_memory=False)
    raise Unsupported(f"PyTorch has no input pipeline '{pipeline}' in versus (it has {', '.join(PIPELINES)})")

class LastStep(nn.Module):
    """An LSTM that returns the last time step's hidden state, as the neutral layer does."""
    def __init__(self, lstm):
        super().__init__()
        self.lstm = lstm

    def forward(self, x):
        return self.lstm(x)[0][:, -1, :]
# loc: end


# loc: begin layer residual
class Residual(nn.Module):
    def __init__(self, body, shortcut):
        super().__init__()
        self.body, self.shortcut = body, shortcut

    def forward(self, x):
        return self.body(x) + self.shortcut(x)
# loc: end


# loc: begin layer embedding
class TokenIds(nn.Module):
    """Token ids arrive as floats (the harness's one tensor type); nn.Embedding takes integers. Sets
    the batch's token mask where a later layer reads it."""
    def __init__(self, embedding, mask):
        super().__init__()
        self.embedding, self.mask = embedding, mask

    def forward(self, x):
        if self.mask is not None:
            self.mask.real = x != 0
        return self.embedding(x.long())
# loc: end


# loc: begin layer positional_embedding
class LearnedPositions(nn.Module):
    """Row t of the table added at position t."""
    def __init__(self, positions, width):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(positions, width))

    def forward(self, x):
        return x + self.weight[:x.shape[1]]
# loc: end


# loc: begin layer multi_head_attention
class SelfAttention(nn.Module):
    """nn.MultiheadAttention with the sequence as its query, key and value, padding keys masked.
    need_weights=False: the path that runs F.scaled_dot_product_attention (the weights are not
    materialised and averaged over heads)."""
    def __init__(self, width, heads, mask):
        super().__init__()
        self.attention, self.mask = nn.MultiheadAttention(width, heads, batch_first=True), mask

    def forward(self, x):
        return self.attention(x, x, x, key_padding_mask=~self.mask.real, need_weights=False)[0]
# loc: end


# loc: begin layer mean_pool
class MaskedMean(nn.Module):
    """[batch, time, features] -> [batch, features]: the mean over the real positions."""
    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def forward(self, x):
        real = self.mask.real.unsqueeze(-1).to(x.dtype)
        return (x * real).sum(1) / real.sum(1)
# loc: end


class Rows:
    """A neutral parameter held as rows of a fused torch one: nn.MultiheadAttention packs the q, k
    and v projections into in_proj_weight [3·width, width] and in_proj_bias (nets/layout.h's
    fuse_qkv); a neutral wq is its rows 0..width."""
    def __init__(self, fused, rows):
        self.fused, self.rows = fused, rows

    def view(self):
        return self.fused[self.rows]


def tensor_of(slot):
    return slot.view() if isinstance(slot, Rows) else slot


def module_for(layer, mask):
    """One neutral layer as a torch.nn module, and its parameters in the neutral order (tensors, or
    Rows of a fused one); mask: the network's TokenMask, None where no layer reads it."""
    kind = layer["type"]
    # loc: begin layer dense
    if kind == "dense":  # over a flat input, or each position of a sequence
        m = nn.Linear(layer["in_shape"][-1], layer["units"])
        return m, [m.weight, m.bias]
    # loc: end
    # loc: begin layer conv2d
    if kind == "conv2d":
        m = nn.Conv2d(layer["in_shape"][0], layer["units"], layer["kernel"], layer["stride"], layer["padding"])
        return m, [m.weight, m.bias]
    # loc: end
    # loc: begin layer pool
    if kind == "max_pool":
        return nn.MaxPool2d(layer["kernel"], layer["stride"], layer["padding"]), []
    # loc: end
    # loc: begin layer pool
    if kind == "avg_pool":
        return nn.AvgPool2d(layer["kernel"], layer["stride"], layer["padding"], count_include_pad=False), []
    # loc: end
    # loc: begin layer activation
    if kind in ("relu", "sigmoid", "tanh"):
        return {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[kind](), []
    if kind == "gelu":
        return nn.GELU(approximate=layer["approximate"]), []
    # loc: end
    # loc: begin layer flatten
    if kind == "flatten":
        return nn.Flatten(), []
    # loc: end
    # loc: begin layer batch_norm
    if kind == "batch_norm":
        norm = nn.BatchNorm2d if len(layer["in_shape"]) == 3 else nn.BatchNorm1d
        # torch's momentum weighs the batch: running = (1 - m)·running + m·batch.
        m = norm(layer["in_shape"][0], eps=layer["epsilon"], momentum=1 - layer["momentum"])
        return m, [m.weight, m.bias]
    # loc: end
    # loc: begin layer embedding
    if kind == "embedding":
        m = nn.Embedding(layer["vocab"], layer["units"])
        return TokenIds(m, mask), [m.weight]
    # loc: end
    # loc: begin layer positional_embedding
    if kind == "positional_embedding":
        m = LearnedPositions(layer["positions"], layer["in_shape"][-1])
        return m, [m.weight]
    # loc: end
    # loc: begin layer layer_norm
    if kind == "layer_norm":
        m = nn.LayerNorm(layer["in_shape"][-1], eps=layer["epsilon"])
        return m, [m.weight, m.bias]
    # loc: end
    # loc: begin layer multi_head_attention
    if kind == "multi_head_attention":
        width = layer["in_shape"][-1]
        m = SelfAttention(width, layer["heads"], mask)
        a = m.attention
        q_k_v = [Rows(fused, slice(i * width, (i + 1) * width))
                 for i in range(3) for fused in (a.in_proj_weight, a.in_proj_bias)]  # wq, bq, wk, bk, wv, bv
        return m, q_k_v + [a.out_proj.weight, a.out_proj.bias]
    # loc: end
    # loc: begin layer mean_pool
    if kind == "mean_pool":
        return MaskedMean(mask), []
    # loc: end
    # loc: begin layer lstm
    if kind == "lstm":
        m = nn.LSTM(layer["in_shape"][-1], layer["units"], batch_first=True)
        return LastStep(m), [m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0]
    # loc: end
    # loc: begin layer residual
    if kind == "residual":
        body, body_params = sequential(layer["body"], mask)
        shortcut, shortcut_params = sequential(layer["shortcut"], mask)
        return Residual(body, shortcut), body_params + shortcut_params
    # loc: end
    raise Unsupported(f"torch (Python) has no builder for layer type '{kind}' ({layer['name']})")


def sequential(layers, mask):
    modules, params = [], []
    for layer in layers:
        m, p = module_for(layer, mask)
        modules.append(m)
        params += p
    return nn.Sequential(*modules), params  # an empty Sequential is the identity


class Model:
    channels_last = False

    def __init__(self, network, initial, optimizer, mode, device):
        if device not in ("cpu", "cuda") or (device == "cuda" and not torch.cuda.is_available()):
            raise Unsupported(f"torch (Python) has no device '{device}' here")
        self.device = torch.device(device)
        self.net, self.params = sequential(network["layers"], TokenMask() if network["token_mask"] else None)
        with torch.no_grad():
            for p, value in zip(self.params, initial):
                tensor_of(p).copy_(torch.tensor(value))  # a copy: the harness's arrays are read-only views
        self.net.to(self.device).train()
        self.sigmoid = network["loss"] == "sigmoid_cross_entropy"
        self.mode = mode
        # loc: begin loss
        self.loss = nn.BCEWithLogitsLoss() if self.sigmoid else nn.CrossEntropyLoss()
        # loc: end
        kind = optimizer["kind"]
        self.parity_exemption = None
        if kind == "adam":
            self.parity_exemption = ("torch.optim.Adam adds epsilon to the bias-corrected sqrt(v), the network's Adam "
                                     "(TensorFlow's, MXNet's, versus's C++ tiers) to sqrt(v): updates of parameters "
                                     "whose gradients are near epsilon's scale differ")
            # torch.optim.Adam adds ε to √v̂ (after the bias correction), TF and MXNet to √v: the
            # two tiers differ at ε's scale.
            self.optimizer = torch.optim.Adam(self.net.parameters(), lr=optimizer["learning_rate"],
                                              betas=(optimizer["beta1"], optimizer["beta2"]), eps=optimizer["epsilon"])
        elif kind in ("sgd", "momentum"):
            self.optimizer = torch.optim.SGD(self.net.parameters(), lr=optimizer["learning_rate"],
                                             momentum=optimizer["momentum"] if kind == "momentum" else 0.0)
        else:
            raise Unsupported(f"optimizer '{kind}' is not supported: known are sgd, momentum and adam")
        self.forward = torch.compile(self.net) if mode == "compile" else self.net

    def to_tensor(self, x):
        return (x if isinstance(x, torch.Tensor) else torch.from_numpy(x)).to(self.device)

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def train_epoch(self, x, y, batch, on_step, pipeline="memory"):
        for xb, yb in torch_batches(x, y, batch, pipeline):
            t0 = time.perf_counter()
            # loc: begin train_step
            inputs = self.to_tensor(xb)
            labels = self.to_tensor(yb.reshape(-1, 1) if self.sigmoid else as_class_ids(yb))
            self.optimizer.zero_grad()
            loss = self.loss(self.forward(inputs), labels)
            loss.backward()
            self.optimizer.step()
            value = loss.item()
            # loc: end
            self.sync()
            on_step(value, time.perf_counter() - t0)

    def predict(self, x):
        self.net.eval()
        with torch.no_grad():
            out = self.forward(self.to_tensor(x)).cpu().numpy()
        self.net.train()
        return out

    def parameters(self):
        return [tensor_of(p).detach().cpu().numpy() for p in self.params]

    def mode_report(self):
        report = {"api": "torch.nn + torch.optim (Python)", "compiled": self.mode == "compile"}
        if self.parity_exemption:
            report["optimizer_note"] = self.parity_exemption
        if self.mode == "compile":
            report["backend"] = "inductor"
        return report


def build(network, initial, optimizer, mode, device):
    if mode not in ("python", "compile"):
        raise Unsupported(f"torch (Python) has no mode '{mode}'")
    return Model(network, initial, optimizer, mode, device)
