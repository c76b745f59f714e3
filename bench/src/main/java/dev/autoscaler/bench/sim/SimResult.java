package dev.autoscaler.bench.sim;

/** Per-second series of one run and its summary numbers. */
public record SimResult(String trace, String policy, double[] arrivals, int[] replicas, int[] ready, double[] p95Ms,
                        double violationPct, double replicaSeconds, int actions, double worstP95Ms) {}
