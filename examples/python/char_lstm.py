"""Character LSTM on tinyshakespeare from Python (WORKLOADS.md's charlstm recipe), then sampling.
Usage: char_lstm.py [steps] [text file]   (300 steps: loss ~2.0, the text starts to look like a play)"""
import sys
import numpy as np
import cajal, cajal.nn as nn, cajal.nn.functional as F
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 300
text = open(sys.argv[2] if len(sys.argv) > 2 else cajal.datasets.tinyshakespeare_path(), "rb").read()
vocab = sorted(set(text))  # byte values; a character's id is its place in this list
ids = np.searchsorted(vocab, np.frombuffer(text, dtype=np.uint8)).astype(np.int64)
cajal.manual_seed(0)
rng = np.random.default_rng(0)
class CharLSTM(nn.Module):
    def __init__(self, V, E=64, H=256):
        super().__init__()
        self.embedding, self.rnn, self.head = nn.Embedding(V, E), nn.LSTM(E, H, batch_first=True), nn.Linear(H, V)
    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)
        return self.head(out), state
model = CharLSTM(len(vocab))
opt = cajal.optim.Adam(model.parameters(), lr=2e-3)
for step in range(steps):  # 32 random windows of 64 characters, each predicting the next character
    starts = rng.integers(0, len(ids) - 65, 32)
    x = cajal.from_numpy(np.stack([ids[s:s + 64] for s in starts]))
    y = cajal.from_numpy(np.stack([ids[s + 1:s + 65] for s in starts]))
    logits, _ = model(x)
    loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
    opt.zero_grad(); loss.backward(); opt.step()
print(f"steps {steps} loss {loss.item():.4f}")
with cajal.no_grad():  # sampling at temperature 0.8, one character at a time from the carried state
    out, state, x = b"ROMEO:", None, cajal.from_numpy(np.searchsorted(vocab, np.frombuffer(b"ROMEO:", np.uint8))[None])
    for _ in range(200):
        logits, state = model(x, state)
        p = F.softmax(logits[0, -1] / 0.8, dim=0).numpy().astype(np.float64)
        nxt = int(rng.choice(len(vocab), p=p / p.sum()))
        out += bytes([vocab[nxt]])
        x = cajal.from_numpy(np.array([[nxt]]))
print(out.decode("utf-8", errors="replace"))
