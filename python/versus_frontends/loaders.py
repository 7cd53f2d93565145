"""The Python tier's load op (core/ops/load.h): reading the dataset files the runner wrote, with the
reader a user of each frontend reaches for. Each loader returns a no-argument callable that reads
the files once into the tensors training starts from, and what it used; the caller times it.

  tensorflow  tf.io.read_file + tf.io.decode_compressed/decode_raw (IDX), tf.data's CsvDataset (CSV),
              tf.data.FixedLengthRecordDataset (CIFAR-10, as TensorFlow's CIFAR tutorial reads it)
  mxnet       mx.io.MNISTIter (raw IDX), mx.io.CSVIter (CSV); Gluon's own dataset classes
              (gluon.data.vision.FashionMNIST, CIFAR10) check the SHA-1 of the original files and
              download them on a mismatch, so they cannot read any other file
  torch       PyTorch itself reads no dataset files: numpy as torchvision's MNIST reads IDX, numpy
              for CIFAR-10's records, pandas.read_csv for CSV — then torch.from_numpy
"""
import gzip

import numpy as np

from .protocol import Unsupported

BATCH = 100  # the C++ tier's MXNet iterators use the same batch


def tensorflow_loader(fmt, files, n, pixels):
    import tensorflow as tf

    if fmt in ("idx", "idx-gz"):
        def raw(path, offset):
            data = tf.io.read_file(path)
            if fmt == "idx-gz":
                data = tf.io.decode_compressed(data, compression_type="GZIP")
            return tf.io.decode_raw(data, tf.uint8)[offset:]

        def run():
            images = tf.cast(tf.reshape(raw(files["images"], 16), [n, pixels]), tf.float32)
            return images, tf.cast(raw(files["labels"], 8), tf.float32)
        return run, 1.0, "tf.io.read_file + tf.io.decode_raw" + (" + decode_compressed" if fmt == "idx-gz" else "")
    if fmt == "csv":
        def run():
            # A dtype (not a default value) for every column: each is required, as in the C++ graph.
            ds = tf.data.experimental.CsvDataset(files["images"], [tf.float32] * (pixels + 1)).batch(1000)
            table = tf.concat([tf.stack(columns, axis=1) for columns in ds], axis=0)
            return table[:, 1:], table[:, 0]
        return run, 1.0, "tf.data.experimental.CsvDataset"

    def run():
        ds = tf.data.FixedLengthRecordDataset(files["images"], pixels + 1).batch(1000)
        records = tf.concat([tf.reshape(tf.io.decode_raw(b, tf.uint8), [-1, pixels + 1]) for b in ds], axis=0)
        return tf.cast(records[:, 1:], tf.float32), tf.cast(records[:, 0], tf.float32)
    return run, 1.0, "tf.data.FixedLengthRecordDataset + tf.io.decode_raw"


def mxnet_loader(fmt, files, n, pixels):
    import mxnet as mx

    if fmt == "idx-gz":
        raise Unsupported("MXNet's MNISTIter reads uncompressed IDX files only, and Gluon's FashionMNIST checks "
                          "the SHA-1 of the original files (downloading them on a mismatch)")
    if fmt == "cifar":
        raise Unsupported("MXNet has no reader for other CIFAR-10 files: gluon.data.vision.CIFAR10 checks the "
                          "SHA-1 of the original archive (downloading it on a mismatch), ImageRecordIter reads RecordIO")
    if fmt == "idx" and n % BATCH:
        raise Unsupported(f"MXNet's MNISTIter drops a last partial batch without a word: {n} samples are not a "
                          f"whole number of batches of {BATCH}")

    def collect(it, split_label):
        images, labels = [], []
        for batch in it:
            rows = BATCH - batch.pad  # CSVIter pads the last batch with rows from the start
            data = batch.data[0].asnumpy()[:rows]
            if split_label:
                images.append(data[:, 1:])
                labels.append(data[:, 0])
            else:
                images.append(data)
                labels.append(batch.label[0].asnumpy()[:rows])
        return np.concatenate(images), np.concatenate(labels)

    if fmt == "csv":
        def run():
            return collect(mx.io.CSVIter(data_csv=files["images"], data_shape=(pixels + 1,), batch_size=BATCH,
                                         round_batch=False), True)
        return run, 1.0, "mx.io.CSVIter"

    def run():
        return collect(mx.io.MNISTIter(image=files["images"], label=files["labels"], batch_size=BATCH,
                                       shuffle=False, flat=True, silent=True), False)
    return run, 256.0, "mx.io.MNISTIter (pixels / 256)"


def torch_loader(fmt, files, n, pixels):
    import torch

    if fmt in ("idx", "idx-gz"):
        def raw(path, offset):
            opener = gzip.open if fmt == "idx-gz" else open
            with opener(path, "rb") as f:
                return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)

        def run():
            images = torch.from_numpy(raw(files["images"], 16).reshape(n, pixels)).float()
            return images, torch.from_numpy(raw(files["labels"], 8)).float()
        return run, 1.0, "numpy.frombuffer (as torchvision's MNIST) + torch.from_numpy"
    if fmt == "csv":
        import pandas

        def run():
            table = torch.from_numpy(pandas.read_csv(files["images"], header=None).to_numpy(np.float32))
            return table[:, 1:], table[:, 0]
        return run, 1.0, f"pandas {pandas.__version__} read_csv + torch.from_numpy"

    def run():
        records = torch.from_numpy(np.fromfile(files["images"], dtype=np.uint8).reshape(-1, pixels + 1))
        return records[:, 1:].float(), records[:, 0].float()
    return run, 1.0, "numpy.fromfile + torch.from_numpy"


LOADERS = {"tensorflow": tensorflow_loader, "mxnet": mxnet_loader, "torch": torch_loader}


def to_bytes(tensor, scale):
    """A loaded tensor back as the byte values it was read from (pixels * scale, rounded)."""
    values = tensor.numpy() if hasattr(tensor, "numpy") else tensor.asnumpy() if hasattr(tensor, "asnumpy") else tensor
    values = np.asarray(values, dtype=np.float64) * scale
    if not np.all(np.isfinite(values)) or values.min(initial=0) < 0 or values.max(initial=0) > 255:
        return None  # not bytes: a reader that filled a gap with NaN or read garbage
    return np.rint(values).astype(np.uint8)
