"""tls.py: the TLS scenarios' certificates as the openssl commands make them, and the flags that
hand them to the servers and the generators (no command is run)."""
from benchkit import generators, servers, tls


def test_certificates_are_p256_and_name_the_loopback_address():
    cmds = tls.commands('/w/tls')
    assert len(cmds) == 3
    for cmd in cmds[:2]:
        assert cmd[:2] == ['openssl', 'req']
        assert 'ec_paramgen_curve:prime256v1' in cmd
        assert '-nodes' in cmd
    ca, server_req, sign = cmds
    assert '-x509' in ca and 'basicConstraints=critical,CA:TRUE' in ca
    assert '-x509' not in server_req
    assert sign[sign.index('-CA') + 1] == '/w/tls/ca.pem'
    assert sign[sign.index('-out') + 1] == '/w/tls/server.pem'
    ext = tls.server_extensions()
    assert 'subjectAltName=IP:127.0.0.1,DNS:localhost' in ext
    assert 'CA:FALSE' in ext and 'serverAuth' in ext


def test_the_servers_and_the_generators_get_the_same_certificate():
    certs = tls.Certs(ca='/w/ca.pem', cert='/w/server.pem', key='/w/server.key')
    assert servers.tls_flags(certs) == ['--tls-cert', '/w/server.pem', '--tls-key', '/w/server.key']
    assert servers.tls_flags(None) == []
    assert (servers.scheme(certs), servers.scheme(None)) == ('https', 'http')
    cmd = generators.loadgen_cmd('mi-loadgen', 'agents', [1], generators.tls_flags(certs))
    assert cmd == ['mi-loadgen', 'agents', '--hub', '127.0.0.1:1', '--tls', '--ca-file', '/w/ca.pem']
    cmd = generators.loadgen_cmd('mi-loadgen', 'agents', [1], generators.tls_flags(certs, resume=True))
    assert cmd[-1] == '--tls-resume'
