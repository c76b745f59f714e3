package dev.autoscaler.common.bus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of one machine, made with openssl for {@code autoscaler demo --tls} and the tests: a CA, a
 * certificate for a Redis on 127.0.0.1 and a client certificate, all PEM, the keys PKCS#8 (the form Lettuce and the
 * JDK read) and readable by their owner only. The CA's key is deleted once both are signed: nothing else can be.
 *
 * @param ca         the CA certificate (redis-server's {@code --tls-ca-cert-file}, our REDIS_TLS_CA_FILE)
 * @param serverCert redis-server's {@code --tls-cert-file}
 * @param serverKey  redis-server's {@code --tls-key-file}
 * @param clientCert REDIS_TLS_CERT_FILE, for a Redis that asks clients for a certificate
 * @param clientKey  REDIS_TLS_KEY_FILE
 */
public record LocalCertificates(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

    /** Makes the files in {@code dir} (created if missing), valid for {@code days}; {@code openssl} is the binary's path. */
    public static LocalCertificates create(Path dir, String openssl, int days) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String validity = String.valueOf(days);
        run(dir, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", validity, "-subj", "/CN=autoscaler-local-ca",
                "-keyout", "ca.key", "-out", "ca.pem");
        for (String name : List.of("server", "client")) {
            run(dir, openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=autoscaler-" + name,
                    "-keyout", name + ".rsa", "-out", name + ".csr");
            Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
            run(dir, openssl, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", validity, "-extfile", name + ".ext", "-out", name + ".pem");
            run(dir, openssl, "pkcs8", "-topk8", "-nocrypt", "-in", name + ".rsa", "-out", name + ".key");
            Files.setPosixFilePermissions(dir.resolve(name + ".key"), PosixFilePermissions.fromString("rw-------"));
            for (String scratch : List.of(".rsa", ".csr", ".ext")) Files.delete(dir.resolve(name + scratch));
        }
        Files.delete(dir.resolve("ca.key"));
        Files.deleteIfExists(dir.resolve("ca.srl"));
        return in(dir);
    }

    /** The files {@link #create} makes in {@code dir}, without checking that they are there. */
    public static LocalCertificates in(Path dir) {
        return new LocalCertificates(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("client.pem"), dir.resolve("client.key"));
    }

    /** The files as a client of a Redis that asks for certificates is told of them (RedisSettings reads these). */
    public Map<String, String> clientEnv() {
        return Map.of("REDIS_TLS_CA_FILE", ca.toString(), "REDIS_TLS_CERT_FILE", clientCert.toString(),
                "REDIS_TLS_KEY_FILE", clientKey.toString());
    }

    /** redis-server's options to listen with TLS only on {@code port} and to ask every client for a certificate. */
    public List<String> redisServerArgs(int port) {
        return List.of("--port", "0", "--tls-port", String.valueOf(port), "--tls-cert-file", serverCert.toString(),
                "--tls-key-file", serverKey.toString(), "--tls-ca-cert-file", ca.toString(), "--tls-auth-clients", "yes");
    }

    private static void run(Path dir, String openssl, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(openssl));
        cmd.addAll(List.of(args));
        // no terminal to prompt on: openssl that wants input fails instead of waiting
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl " + args[0] + " did not finish within 60 s");
        }
        if (p.exitValue() != 0) throw new IOException("openssl " + String.join(" ", args) + " failed: " + out.strip());
    }
}
