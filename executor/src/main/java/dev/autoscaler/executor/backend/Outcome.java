package dev.autoscaler.executor.backend;

/** What a reconcile did: the ready count before and after, its status (ok, noop, error) and a message. */
public record Outcome(int before, int after, String status, String message) {}
