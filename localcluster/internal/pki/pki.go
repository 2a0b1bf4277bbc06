// Package pki generates the certificates and keys of a throwaway cluster:
// one CA, the apiserver's serving certificate, a client certificate per
// identity, and the service-account signing key.
package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Identity is a client certificate subject: a user name and its groups.
type Identity struct {
	User   string
	Groups []string
}

// Files are the paths of everything Generate wrote.
type Files struct {
	CACert, CAKey           string
	ServingCert, ServingKey string
	ServiceAccountKey       string
	ServiceAccountPub       string
	ClientCerts, ClientKeys map[string]string // by identity user name
	// The aggregation layer's request-header CA, and the client certificate
	// the apiserver presents to extension apiservers.
	FrontProxyCA                              string
	FrontProxyClientCert, FrontProxyClientKey string
}

// FrontProxyClient is the name the apiserver presents to extension apiservers.
const FrontProxyClient = "front-proxy-client"

type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// Generate writes a fresh PKI into dir. Every certificate is valid for a year.
func Generate(dir string, serviceIP net.IP, clients []Identity) (*Files, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f := &Files{
		CACert: filepath.Join(dir, "ca.crt"), CAKey: filepath.Join(dir, "ca.key"),
		ServingCert: filepath.Join(dir, "apiserver.crt"), ServingKey: filepath.Join(dir, "apiserver.key"),
		ServiceAccountKey: filepath.Join(dir, "sa.key"), ServiceAccountPub: filepath.Join(dir, "sa.pub"),
		ClientCerts: map[string]string{}, ClientKeys: map[string]string{},
		FrontProxyCA:         filepath.Join(dir, "front-proxy-ca.crt"),
		FrontProxyClientCert: filepath.Join(dir, "front-proxy-client.crt"),
		FrontProxyClientKey:  filepath.Join(dir, "front-proxy-client.key"),
	}
	ca, err := newAuthority("tide-localcluster-ca")
	if err != nil {
		return nil, err
	}
	if err := writeCert(f.CACert, ca.cert.Raw); err != nil {
		return nil, err
	}
	if err := writeKey(f.CAKey, ca.key); err != nil {
		return nil, err
	}
	frontProxy, err := newAuthority("tide-localcluster-front-proxy-ca")
	if err != nil {
		return nil, err
	}
	if err := writeCert(f.FrontProxyCA, frontProxy.cert.Raw); err != nil {
		return nil, err
	}
	proxyClient := &x509.Certificate{
		Subject:     pkix.Name{CommonName: FrontProxyClient},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := frontProxy.issue(proxyClient, f.FrontProxyClientCert, f.FrontProxyClientKey); err != nil {
		return nil, err
	}

	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback, serviceIP},
	}
	if err := ca.issue(serving, f.ServingCert, f.ServingKey); err != nil {
		return nil, err
	}
	for _, id := range clients {
		crt := filepath.Join(dir, id.User+".crt")
		key := filepath.Join(dir, id.User+".key")
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: id.User, Organization: id.Groups},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if err := ca.issue(tmpl, crt, key); err != nil {
			return nil, err
		}
		f.ClientCerts[id.User], f.ClientKeys[id.User] = crt, key
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := writeKey(f.ServiceAccountKey, saKey); err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(f.ServiceAccountPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600); err != nil {
		return nil, err
	}
	return f, nil
}

func newAuthority(name string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &authority{cert: cert, key: key}, nil
}

func (a *authority) issue(tmpl *x509.Certificate, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := newSerial()
	if err != nil {
		return err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return fmt.Errorf("issue %s: %w", tmpl.Subject.CommonName, err)
	}
	if err := writeCert(certPath, der); err != nil {
		return err
	}
	return writeKey(keyPath, key)
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
}

func writeCert(path string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}
