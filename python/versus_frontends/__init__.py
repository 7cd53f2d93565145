"""The Python tier of versus: Keras, Gluon and PyTorch as their users write them.

A worker process per run (python -m versus_frontends --train FRAMEWORK), speaking the C++ workers'
line protocol, training from the weights, data and batch order the harness exported
(src/runner/frontend_inputs.h) and proving it by the files' CRC-32s and the same checksums.
"""
