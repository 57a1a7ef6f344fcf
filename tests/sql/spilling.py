"""What the spill tests share: a session with little memory per Python worker, and the
bytes each stage's tasks spilled (from their metrics)."""
from __future__ import annotations

import os

from minispark.scheduler.events import SparkListener, TaskEnd
from minispark.sql import SparkSession


class SpillsByStage(SparkListener):
    """Spilled bytes per stage id, summed over the stage's tasks."""

    def __init__(self) -> None:
        self.by_stage: dict[int, int] = {}

    def on_task_end(self, e: TaskEnd) -> None:
        self.by_stage[e.stage_id] = self.by_stage.get(e.stage_id, 0) + e.metrics.spilled_bytes


def tight_session(sc, make_context, memory: str) -> tuple[SparkSession, SpillsByStage]:
    """A session on ``sc``'s backend whose Python workers may hold ``memory``, with one
    reduce partition, and the listener counting what its stages spill."""
    ctx = make_context(sc.master, sc.getConf().get("minispark.executor.backend"),
                       **{"spark.python.worker.memory": memory})
    spills = SpillsByStage()
    ctx.addSparkListener(spills)
    spark = SparkSession(ctx)
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    return spark, spills


def files_left(spark: SparkSession) -> list[str]:
    """Files still under the application's spill folder (none once every task ended)."""
    root = os.path.join(spark.sparkContext._app_dir, "spill")
    return [name for _, _, names in os.walk(root) for name in names]
