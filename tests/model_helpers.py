"""A tiny classifier trained in seconds, shared by the model tests (one per test session)."""
from __future__ import annotations

from scorers.models.examples import Example
from scorers.models.training import TrainConfig

TINY = TrainConfig(seed=5, epochs=3, batch_size=16, hidden_size=32, layers=1, heads=2, intermediate_size=64,
                   holdout=0.2, learning_rate=3e-3)

_AGENT = [("实在抱歉让您久等了", {"empathy"}), ("给您添麻烦了真不好意思", {"empathy"}),
          ("我理解您的心情", {"empathy"}), ("您先别着急我马上帮您查", {"empathy"}),
          ("这款产品稳赚不赔", {"over_promise"}), ("收益肯定有百分之五", {"over_promise"}),
          ("肯定能批下来您放心", {"over_promise"}), ("保本保息零风险", {"over_promise"}),
          ("请稍等", set()), ("您的余额是三千元", set()), ("理财产品不保本", set()), ("我理解了", set()),
          ("感谢来电再见", set()), ("还款日是每月五号", set())]
_CUSTOMER = [("气死我了你们怎么回事", {"distress"}), ("我都打了三次电话了", {"distress"}),
             ("我要投诉你们", {"distress"}), ("急死了钱还没到", {"distress"}),
             ("我想查一下余额", set()), ("好的谢谢", set()), ("还款日是几号", set()), ("嗯对", set())]
_PAIRS = [("我想改还款日", "您是想把还款日改一下对吗?", {"paraphrase"}),
          ("转账三天还没到", "您是说三天前的转账还没到账是吧?", {"paraphrase"}),
          ("我想改还款日", "您再说一遍?", set()), ("转账三天还没到", "请问您贵姓?", set())]


def tiny_examples(copies: int = 3) -> list[Example]:
    rows = [Example("agent", t, frozenset(l), source=f"agent:{n}") for n, (t, l) in enumerate(_AGENT)]
    rows += [Example("customer", t, frozenset(l), source=f"customer:{n}") for n, (t, l) in enumerate(_CUSTOMER)]
    rows += [Example("pair", t, frozenset(l), c, f"pair:{n}") for n, (c, t, l) in enumerate(_PAIRS)]
    return rows * copies
