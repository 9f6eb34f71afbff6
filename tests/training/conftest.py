"""Training tests share one thread: the machine's cores are shared by several test runs."""

from __future__ import annotations

import torch

torch.set_num_threads(1)
