package dev.autoscaler.executor.backend;

import java.util.Map;

/** What a backend gives the executor: one loop per target, in target order, and what must be closed with them. */
public record Loops(Map<String, TargetLoop> byTarget, AutoCloseable resources) {}
