"""The TLS scenarios' certificates: a test CA and one server certificate it signs, both ECDSA
P-256 (the cheapest handshake OpenSSL offers with a certificate), made with the openssl command in
the run's work directory. The hub and the Node peer serve the same certificate; the generators
verify it against the CA, by the address they connect to (127.0.0.1)."""
import os
import ssl
import subprocess
from dataclasses import dataclass

CURVE = 'prime256v1'  # P-256
DAYS = 2
SERVER_NAMES = 'IP:127.0.0.1,DNS:localhost'


@dataclass(frozen=True)
class Certs:
    ca: str    # the CA's certificate (PEM): what the clients trust
    cert: str  # the server's certificate (PEM), leaf only
    key: str   # its key (PEM)

    def client_context(self):
        """A Python client context that trusts the CA (bench/run's own reads over https)."""
        return ssl.create_default_context(cafile=self.ca)


def commands(d):
    """The openssl command lines that make the CA and the server certificate in directory d."""
    p = lambda name: os.path.join(d, name)  # noqa: E731
    key = ['-newkey', 'ec', '-pkeyopt', f'ec_paramgen_curve:{CURVE}', '-nodes']
    return [
        ['openssl', 'req', '-x509', *key, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', str(DAYS),
         '-subj', '/CN=mi-bench test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
         '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
        ['openssl', 'req', *key, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost'],
        ['openssl', 'x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'),
         '-CAcreateserial', '-out', p('server.pem'), '-days', str(DAYS), '-extfile', p('server.ext')],
    ]


def server_extensions():
    return (f'subjectAltName={SERVER_NAMES}\nbasicConstraints=critical,CA:FALSE\n'
            'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n')


def make_certs(directory):
    """Makes (once per directory) the CA and the server's certificate and key; returns their paths."""
    d = os.path.join(directory, 'tls')
    certs = Certs(ca=os.path.join(d, 'ca.pem'), cert=os.path.join(d, 'server.pem'), key=os.path.join(d, 'server.key'))
    if all(os.path.exists(f) for f in (certs.ca, certs.cert, certs.key)):
        return certs
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'server.ext'), 'w') as f:
        f.write(server_extensions())
    for cmd in commands(d):
        subprocess.run(cmd, check=True, capture_output=True)
    return certs
