#!/usr/bin/python3
"""The coefficients of the runtime's tanh (src/Runtime.CSharp/Kernels/Activations.cs, Activations.Tanh).

tanh x ≈ x·P(t)/Q(t), t = x², with P of degree 5 and Q of degree 3 (Q(0) = 1), for |x| ≤ C, where C is the
smallest float32 with tanh(C) ≥ 1 − 2⁻²⁵ (beyond it tanh rounds to 1, so the kernel clamps x there).
The fit: linearised least squares for the relative error of P/Q against tanh(x)/x on 4,000 Chebyshev nodes in t,
reweighted (Lawson) towards the minimax solution, with tanh from mpmath at 40 digits. Then the float32 kernel
(the same operation order, each fused multiply-add rounded once) is checked against float64 tanh in ulp.

    /usr/bin/python3 tools/fit_tanh.py        (needs numpy and mpmath: apt-get install python3-numpy python3-mpmath)
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
C = np.float32(7.90531110763549805)
DEG_P, DEG_Q, NODES, ROUNDS = 5, 3, 4000, 60


def fit():
    T = float(C) ** 2
    u = (1 - np.cos(np.pi * (np.arange(NODES) + 0.5) / NODES)) / 2      # t / T, dense at both ends
    f = np.array([float(mp.tanh(mp.sqrt(x)) / mp.sqrt(x)) for x in (mp.mpf(v * T) for v in u)])
    w, q_prev = np.ones(NODES), np.ones(NODES)
    for _ in range(ROUNDS):
        # P(u) − f·(Q(u) − 1) = f, scaled by 1/(f·Q_prev) so the residual is the relative error.
        a = np.hstack([u[:, None] ** np.arange(DEG_P + 1), -f[:, None] * u[:, None] ** np.arange(1, DEG_Q + 1)])
        s = np.sqrt(w) / (f * q_prev)
        sol = np.linalg.lstsq(a * s[:, None], f * s, rcond=None)[0]
        p, q = sol[:DEG_P + 1], np.concatenate([[1.0], sol[DEG_P + 1:]])
        q_prev = np.polyval(q[::-1], u)
        err = np.abs(np.polyval(p[::-1], u) / q_prev - f) / f
        w *= err / err.mean()
        w *= NODES / w.sum()
    print(f"max relative error of the fit in exact arithmetic: {err.max():.3g}")
    # back from u = t/T to t
    return (p / T ** np.arange(DEG_P + 1)).astype(np.float32), (q / T ** np.arange(DEG_Q + 1)).astype(np.float32)


def fma32(x, y, z):
    # x·y is exact in float64 for float32 x, y; one rounding to float32 after the add (a double rounding is rare).
    return (x.astype(np.float64) * y + z).astype(np.float32)


def kernel(x, p, q):
    x = np.minimum(np.maximum(x, -C), C)
    t = x * x
    pt = np.full_like(t, p[-1])
    for c in p[-2::-1]:
        pt = fma32(pt, t, np.float32(c))
    qt = np.full_like(t, q[-1])
    for c in q[-2::-1]:
        qt = fma32(qt, t, np.float32(c))
    return x * pt / qt


def main():
    p, q = fit()
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-9, 9, 3_000_000),
                        np.exp(rng.uniform(np.log(1e-30), np.log(9), 3_000_000)),
                        np.linspace(7.8, 8.0, 100_000)]).astype(np.float32)
    y, exact = kernel(x, p, q), np.tanh(x.astype(np.float64))
    ulp = np.abs(y - exact) / np.spacing(np.abs(exact).astype(np.float32))
    print(f"float32 kernel against float64 tanh: max {ulp.max():.2f} ulp, mean {ulp.mean():.2f} ulp, |y| > 1: {(np.abs(y) > 1).sum()}")
    print("P:", ", ".join(f"{float(c)!r}f" for c in p))
    print("Q:", ", ".join(f"{float(c)!r}f" for c in q))


if __name__ == "__main__":
    main()
