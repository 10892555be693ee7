# The old system's approach, timed for comparison: pandas.read_json(lines=True), then a groupby
# endpoint for the same per-endpoint summary the dashboard shows (calls, success rate, mean
# latency, p95 latency, logged cost). Prints one JSON line with the timings and peak RSS.
import json
import resource
import sys
import time

import pandas as pd

path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_json(path, lines=True)
t1 = time.perf_counter()
df["ok"] = df["status_code"] < 400
g = df.groupby("endpoint")
summary = pd.DataFrame({
    "calls": g.size(),
    "success_rate": g["ok"].mean(),
    "mean_latency": g["latency_ms"].mean(),
    "p95_latency": g["latency_ms"].quantile(0.95),
    "cost": g["cost_usd"].sum(),
})
t2 = time.perf_counter()
print(json.dumps({
    "rows": int(len(df)),
    "endpoints": int(len(summary)),
    "readMs": (t1 - t0) * 1000,
    "groupbyMs": (t2 - t1) * 1000,
    "totalMs": (t2 - t0) * 1000,
    "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "pandas": pd.__version__,
}))
