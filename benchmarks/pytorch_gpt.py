"""The PyTorch side of the CPU training benchmark: the same GPT-2 as gptlab's presets (tied head,
tanh GELU, pre-LayerNorm), the same batch and context, AdamW with global-norm clipping, on byte
tokens of a text file, with the loss read back every step as gptlab's page does.

    python3 pytorch_gpt.py PRESET STEPS TEXT_FILE

Prints one line: the median ms/step after warm-up, like `cargo run --example bench`, so that
`scripts/bench-cpu.sh` can interleave runs of the two. Needs torch (PyPI).
"""

import statistics
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

PRESETS = {  # n_layer, n_head, n_embd, block_size, batch_size, learning_rate
    "tiny": (2, 2, 32, 48, 8, 1e-2),
    "tutorial": (4, 4, 128, 64, 16, 3e-3),
    "small": (6, 6, 384, 256, 32, 1e-3),
}


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.ln_1, self.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class Gpt(nn.Module):
    def __init__(self, n_layer, n_head, d, block_size, vocab=256):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block_size, d)
        self.h = nn.ModuleList(Block(d, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.T


def main():
    preset, steps, text_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    n_layer, n_head, d, block_size, batch_size, lr = PRESETS[preset]
    torch.manual_seed(1337)
    data = torch.frombuffer(bytearray(open(text_file, "rb").read()), dtype=torch.uint8).long()
    model = Gpt(n_layer, n_head, d, block_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.01)
    params = sum(p.numel() for p in model.parameters())

    def step():
        starts = torch.randint(len(data) - block_size - 1, (batch_size,))
        x = torch.stack([data[s:s + block_size] for s in starts])
        y = torch.stack([data[s + 1:s + 1 + block_size] for s in starts])
        loss = F.cross_entropy(model(x).view(-1, 256), y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    loss = step()  # the first step, like gptlab's first, is not counted
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    print(f"backend=pytorch-{torch.__version__}-threads{torch.get_num_threads()} preset={preset} params={params} "
          f"batch={batch_size} context={block_size} steps={steps}: median {median:.1f} ms/step, "
          f"{batch_size * block_size / median * 1000:.0f} tokens/s, final loss {loss:.3f}", flush=True)


if __name__ == "__main__":
    main()
