"""Stereo data: synthetic rectified pairs (TFDS), real-capture directories, tf.data builders."""
