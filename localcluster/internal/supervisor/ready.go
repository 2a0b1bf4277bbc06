package supervisor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// componentError says which component failed and where its log is.
type componentError struct {
	component string
	logPath   string
	reason    string
}

func (e *componentError) Error() string {
	return fmt.Sprintf("%s %s (log: %s)", e.component, e.reason, e.logPath)
}

// waitHTTP polls url until it answers 200 or the child exits or ctx ends.
func waitHTTP(ctx context.Context, c *child, client *http.Client, url string) error {
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-c.done:
			return &componentError{c.name, c.logPath, fmt.Sprintf("exited before it was ready (%v)", c.err)}
		case <-ctx.Done():
			return &componentError{c.name, c.logPath, fmt.Sprintf("was not ready in time; last check of %s: %s", url, last)}
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// insecureClient checks health endpoints of components that serve a
// self-signed certificate generated at start.
func insecureClient() *http.Client {
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // loopback health probe
	}
}

// adminClient talks to the apiserver as the admin identity.
func adminClient(caFile, certFile, keyFile string) (*http.Client, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		}},
	}, nil
}

// tail returns the last n lines of a log file, for error reports.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
