package pki

import (
	"encoding/base64"
	"fmt"
	"os"
)

// WriteKubeconfig writes a kubeconfig for one client identity. Certificates
// are embedded so the file stays valid when copied elsewhere.
func WriteKubeconfig(path, server, context string, caCert, clientCert, clientKey string) error {
	ca, err := os.ReadFile(caCert)
	if err != nil {
		return err
	}
	crt, err := os.ReadFile(clientCert)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(clientKey)
	if err != nil {
		return err
	}
	b64 := base64.StdEncoding.EncodeToString
	doc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[1]s
  user:
    client-certificate-data: %[4]s
    client-key-data: %[5]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s
current-context: %[1]s
`, context, server, b64(ca), b64(crt), b64(key))
	return os.WriteFile(path, []byte(doc), 0o600)
}
