"""A test PKI made with Debian's openssl command: a CA and server certificates it signs, for
the TLS tests. Nothing here is trusted outside the test's own directory.

    pki = Pki(directory)
    ca = pki.ca_pem                                  # the CA certificate, PEM
    cert, key = pki.server("turn.test", ips=["127.0.0.1"], serial=1)
    cert, key = pki.server("other.test", days=5)     # expires in 5 days
    cert, key = pki.server("enc.test", password="s3cret")   # encrypted key
"""

import os
import subprocess


def _run(*args, cwd=None):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


class Pki:
    def __init__(self, directory, ca_name="Tern Test CA"):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.ca_key = os.path.join(directory, "ca.key")
        self.ca_pem = os.path.join(directory, "ca.pem")
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", self.ca_key, "-out", self.ca_pem, "-days", "30",
             "-subj", f"/CN={ca_name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def server(self, name, ips=(), dns=(), serial=None, days=30, password=None, tag=None,
               key_type="ec"):
        """A server certificate for CN=name with SANs DNS:name, each dns and each IP in ips,
        signed by the CA. Returns (cert_path, key_path); the files are named after tag (or
        name and serial) so several versions of one name can coexist."""
        base = os.path.join(self.dir, tag or f"{name}-{serial or 'x'}")
        key, csr, cert, ext = base + ".key", base + ".csr", base + ".pem", base + ".ext"
        if key_type == "rsa":
            newkey = ["-newkey", "rsa:2048"]
        else:
            newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        _run("req", *newkey, "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        sans = [f"DNS:{name}"] + [f"DNS:{d}" for d in dns] + [f"IP:{ip}" for ip in ips]
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    f"subjectAltName={','.join(sans)}\n")
        args = ["x509", "-req", "-in", csr, "-CA", self.ca_pem, "-CAkey", self.ca_key,
                "-out", cert, "-days", str(days), "-extfile", ext]
        args += ["-set_serial", str(serial)] if serial is not None else ["-CAcreateserial"]
        _run(*args)
        if password is not None:
            enc = base + ".enc.key"
            _run("pkey", "-in", key, "-out", enc, "-aes256", "-passout", f"pass:{password}")
            key = enc
        return cert, key

    @staticmethod
    def serial_of(cert_pem_text):
        """The serial number (hex, upper case) of a PEM certificate given as text."""
        r = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=cert_pem_text,
                           capture_output=True, text=True, check=True)
        return r.stdout.strip().split("=", 1)[1].upper()
