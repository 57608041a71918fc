"""Stereo depth family: encoder–decoder disparity network, masked losses, the fine-tune recipe."""
