"""The token mask of a sequence network: which positions of a batch hold real tokens (id 0 is
padding, nets/network.h). Attention and mean pooling read it; the token embedding computes it, and
only where the network says one of them follows (its "token_mask", from the runner's
needs_token_mask): the other token networks (the LSTMs) would pay an element-wise op in every timed
step for nothing."""


class TokenMask:
    """Set by the embedding in each forward, read by the layers below it in the same forward: how a
    model's forward(ids) hands its padding mask along, in a Sequential of single-tensor layers."""
    real = None
