"""Train the local sentiment model OFFLINE and export it as compact JSON shipped in the package.

Dev-only: needs scikit-learn and numpy (`pip install scikit-learn`); the runtime needs neither.

    python bench/train_local_sentiment.py [--data ../shared/data/airline_tweets_dev.csv] [--write]

The model is a multinomial logistic regression over word unigrams and bigrams (presence, L2-normalised;
handles, links and numbers removed by `mentionwatch.sentiment.features`) plus four VADER scores. It prints
held-out figures (a stratified 80/20 split and 5-fold cross-validation) before fitting on all rows;
`--write` stores the weights in `mentionwatch/sentiment/local_model.json`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from mentionwatch.sentiment.features import clean_text, features
from mentionwatch.sentiment.local import CLASSES, VADER_FEATURES

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "airline_tweets_dev.csv"
OUT = REPO / "layers" / "mentionwatch" / "mentionwatch" / "sentiment" / "local_model.json"


class Featuriser:
    def __init__(self, min_df: int) -> None:
        self.min_df = min_df
        self.vader = SentimentIntensityAnalyzer()

    def fit(self, texts: list[str]) -> Featuriser:
        df = Counter(f for t in texts for f in features(t))
        self.vocab = {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= self.min_df))}
        return self

    def vader_row(self, text: str) -> list[float]:
        s = self.vader.polarity_scores(clean_text(text))
        return [s[k] for k in VADER_FEATURES]

    def transform(self, texts: list[str]):
        rows, cols, vals = [], [], []
        for r, t in enumerate(texts):
            idx = sorted({self.vocab[f] for f in features(t) if f in self.vocab})
            if idx:
                w = 1.0 / math.sqrt(len(idx))
                rows += [r] * len(idx)
                cols += idx
                vals += [w] * len(idx)
        x = csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.vocab)))
        dense = csr_matrix(np.array([self.vader_row(t) for t in texts]))
        return hstack([x, dense]).tocsr()


def load_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def export(feats: Featuriser, model: LogisticRegression, note: str) -> dict:
    order = [list(model.classes_).index(c) for c in CLASSES]
    coef = model.coef_[order]
    n_vocab = len(feats.vocab)
    # Every vocabulary entry stays, however small its weight: each counts in the L2 norm.
    weights = {f: [round(float(coef[k, i]), 3) for k in range(len(CLASSES))] for f, i in feats.vocab.items()}
    return {
        "format": 1,
        "classes": list(CLASSES),
        "intercept": [round(float(model.intercept_[k]), 4) for k in order],
        "vader": {
            name: [round(float(coef[k, n_vocab + j]), 4) for k in range(len(CLASSES))]
            for j, name in enumerate(VADER_FEATURES)
        },
        "weights": weights,
        "trained_on": note,
    }


def write_json(path: Path, doc: dict) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")


def fit(texts, labels, c: float, min_df: int):
    feats = Featuriser(min_df).fit(texts)
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(feats.transform(texts), labels)
    return feats, model


def macro_f1(texts_tr, y_tr, texts_te, y_te, c, min_df) -> float:
    feats, model = fit(texts_tr, y_tr, c, min_df)
    return f1_score(y_te, model.predict(feats.transform(texts_te)), average="macro")


def triage_cv(rows: list[dict[str, str]], labels: list[str], args: argparse.Namespace, folds: StratifiedKFold) -> None:
    """The quality targets of the whole triage, each fold scored by a model that never saw it."""
    import tempfile

    from mentionwatch.models import Author, Mention, Platform, TriageContext, utc_now
    from mentionwatch.sentiment.local import LocalAnalyzer
    from mentionwatch.triage.engine import default_triager
    from mentionwatch.triage.evaluation import Evaluation, parse_label

    triager = default_triager()
    totals: dict[str, list[float]] = {}
    for k, (tr, te) in enumerate(folds.split(rows, labels), start=1):
        feats, model = fit([rows[i]["text"] for i in tr], [labels[i] for i in tr], args.c, args.min_df)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.json"
            write_json(path, export(feats, model, f"fold {k}"))
            analyzer = LocalAnalyzer(path)
            result = Evaluation()
            for i in te:
                mention = Mention(
                    platform=Platform.X,
                    native_id=str(i),
                    text=rows[i]["text"],
                    author=Author(handle="someone"),
                    created_at=utc_now(),
                )
                sentiment = analyzer.score(mention.text)
                decision = triager.triage(mention, sentiment, TriageContext())
                result.add(parse_label(rows[i]["airline_sentiment"]), sentiment.label, decision.reaction)
        for target in result.targets():
            totals.setdefault(target.name, []).append(target.value)
    print("whole triage, 5-fold (each fold scored by a model trained on the other four):")
    for name, values in totals.items():
        per_fold = " ".join(f"{v:.1%}" for v in values)
        print(f"  {name}: {per_fold}  mean {sum(values) / len(values):.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--c", type=float, default=3.0)
    parser.add_argument("--min-df", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--triage-cv",
        action="store_true",
        help="also run the whole triage (default rules) 5-fold: model trained on 4 folds, "
        "targets measured on the fifth",
    )
    parser.add_argument(
        "--holdout-dir",
        type=Path,
        help="also write model.json trained on the 80%% split and test.csv (the 20%%) here, "
        "to measure the whole triage on tweets the model never saw",
    )
    args = parser.parse_args()
    rows = load_rows(args.data)
    texts = [r["text"] for r in rows]
    labels = [r["airline_sentiment"].strip().upper() for r in rows]

    r_tr, r_te, y_tr, y_te = train_test_split(rows, labels, test_size=0.2, stratify=labels, random_state=7)
    x_tr, x_te = [r["text"] for r in r_tr], [r["text"] for r in r_te]
    feats, model = fit(x_tr, y_tr, args.c, args.min_df)
    print("held-out 20% split:")
    print(classification_report(y_te, model.predict(feats.transform(x_te)), digits=3))

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
    scores = []
    for tr, te in folds.split(texts, labels):
        scores.append(
            macro_f1(
                [texts[i] for i in tr],
                [labels[i] for i in tr],
                [texts[i] for i in te],
                [labels[i] for i in te],
                args.c,
                args.min_df,
            )
        )
    print("5-fold macro-F1:", " ".join(f"{s:.3f}" for s in scores), f"mean {sum(scores) / len(scores):.3f}")

    if args.holdout_dir:
        args.holdout_dir.mkdir(parents=True, exist_ok=True)
        write_json(
            args.holdout_dir / "model.json",
            export(feats, model, f"80% split of {args.data.name}, C={args.c}, min_df={args.min_df}"),
        )
        with (args.holdout_dir / "test.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r_te)
        print(f"wrote {args.holdout_dir}/model.json and test.csv ({len(r_te)} rows)", file=sys.stderr)

    if args.triage_cv:
        triage_cv(rows, labels, args, folds)

    feats, model = fit(texts, labels, args.c, args.min_df)
    if not args.write:
        return 0
    note = f"{args.data.name}: {len(texts)} labelled tweets, C={args.c}, min_df={args.min_df}"
    doc = export(feats, model, note)
    write_json(OUT, doc)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB, {len(doc['weights'])} features)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
