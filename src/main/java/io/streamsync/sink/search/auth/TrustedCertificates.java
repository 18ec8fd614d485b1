package io.streamsync.sink.search.auth;

import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigKey;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An SSL context that trusts the CA certificates of a PEM file (and only those): self-managed
 * clusters.
 */
public final class TrustedCertificates {
    private TrustedCertificates() {}

    public static SSLContext sslContext(byte[] pem, String where) {
        try {
            Collection<? extends Certificate> certs =
                    CertificateFactory.getInstance("X.509")
                            .generateCertificates(new ByteArrayInputStream(pem));
            if (certs.isEmpty()) {
                throw new ConfigException(
                        "config key '"
                                + ConfigKey.SINK_SEARCH_TLS_CA_FILE.key()
                                + "': no certificate in '"
                                + where
                                + "' (expected PEM: -----BEGIN CERTIFICATE-----)");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate cert : certs) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
            TrustManagerFactory tmf =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.SINK_SEARCH_TLS_CA_FILE.key()
                            + "': cannot use '"
                            + where
                            + "' as CA certificates: "
                            + e.getMessage(),
                    e);
        }
    }
}
