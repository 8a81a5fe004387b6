"""Word-level language model in the shape of PyTorch's official ``word_language_model`` example, written
the torch way with the imports renamed: a corpus dictionary, ``batchify``, ``get_batch`` over a (T, B)
stream, an ``RNNModel`` (Embedding -> dropout -> LSTM (time-first) -> Linear decoder, ``init_weights`` with
``nn.init.uniform_``/``zeros_``, ``init_hidden`` through ``weight.new_zeros``), a ``TransformerModel``
(``PositionalEncoding`` buffer built with ``arange``/``exp``/sliced assignment, ``nn.TransformerEncoder``,
a square causal mask from ``triu`` of ``-inf``), ``repackage_hidden`` through ``detach``, ``NLLLoss`` on
``log_softmax``, ``clip_grad_norm_`` and the example's manual SGD step ``p.data.add_(p.grad, alpha=-lr)``.
It trains on the public-domain text in data/text/; ``main(model_type)`` returns each step's loss."""
import math
import os

import numpy as np

import engine
import nn
import nn.functional as F

TEXT = os.path.join(os.path.dirname(__file__), "..", "..", "data", "text", "us_founding_texts.txt")


class Corpus:
    def __init__(self, path):
        self.word2idx, self.idx2word = {}, []
        ids = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                for word in line.split() + ["<eos>"]:
                    if word not in self.word2idx:
                        self.idx2word.append(word)
                        self.word2idx[word] = len(self.idx2word) - 1
                    ids.append(self.word2idx[word])
        self.train = engine.tensor(ids, dtype=engine.int64)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    return data.view(bsz, -1).t().contiguous()


def get_batch(source, i, bptt):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].view(-1)


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.2):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nhid, self.nlayers, self.ntoken = nhid, nlayers, ntoken
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output).view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=500):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = engine.zeros(max_len, d_model)
        position = engine.arange(0, max_len, dtype=engine.float).unsqueeze(1)
        div_term = engine.exp(engine.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = engine.sin(position * div_term)
        pe[:, 1::2] = engine.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer("pe", pe)

    def forward(self, x):
        x = x + self.pe[:x.size(0), :]
        return self.dropout(x)


class TransformerModel(nn.Module):
    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.2):
        super().__init__()
        self.src_mask = None
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)
        initrange = 0.1
        nn.init.uniform_(self.input_emb.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    @staticmethod
    def square_subsequent_mask(sz):
        return engine.triu(engine.ones(sz, sz) * float("-inf"), diagonal=1)

    def forward(self, src):
        if self.src_mask is None or self.src_mask.size(0) != len(src):
            self.src_mask = self.square_subsequent_mask(len(src))
        src = self.input_emb(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, self.src_mask)
        return F.log_softmax(self.decoder(output), dim=-1)


def repackage_hidden(h):
    if isinstance(h, engine.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def main(model_type="LSTM", steps=12, lr=5.0, bptt=12, batch_size=8, seed=0):
    engine.manual_seed(seed)
    corpus = Corpus(TEXT)
    train_data = batchify(corpus.train, batch_size)
    ntokens = len(corpus.idx2word)
    if model_type == "Transformer":
        model = TransformerModel(ntokens, 32, 2, 64, 2, dropout=0.1)
    else:
        model = RNNModel(ntokens, 32, 32, 2, dropout=0.1)
    criterion = nn.NLLLoss()
    model.train()
    hidden = model.init_hidden(batch_size) if model_type != "Transformer" else None
    losses = []
    for step in range(steps):
        i = (step * bptt) % (train_data.size(0) - 1 - bptt)
        data, targets = get_batch(train_data, 0, bptt) if step % 2 == 0 else get_batch(train_data, i, bptt)
        model.zero_grad()
        if model_type == "Transformer":
            output = model(data).view(-1, ntokens)
        else:
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
    return {"losses": losses, "ntokens": ntokens}
