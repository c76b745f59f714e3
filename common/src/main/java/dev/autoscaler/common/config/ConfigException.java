package dev.autoscaler.common.config;

/** A bad configuration value; the message is the one line a service prints before exiting with code 2. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
