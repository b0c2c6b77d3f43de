// A TLS client for tests/authn_mismatched_key_test.ts. Unlike openssl, curl or node, it can
// present a client certificate together with a private key that does not belong to it: the
// TLS handshake's CertificateVerify is then signed with the wrong key, which is what an
// attacker holding a copy of someone else's certificate can do. Standard library only.
//
// Usage: tls_client URL CA_FILE CERT_FILE KEY_FILE
// Prints one JSON line: {"status":N,"body":"..."} or {"error":"..."}; exits 0 either way.
package main

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

// certificateChain reads every CERTIFICATE block of a PEM file as DER, without parsing it,
// so that X.509 v1 certificates are sent exactly as written.
func certificateChain(path string) [][]byte {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	var chain [][]byte
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			chain = append(chain, block.Bytes)
		}
	}
	if len(chain) == 0 {
		fail(fmt.Errorf("no certificate in %s", path))
	}
	return chain
}

func privateKey(path string) crypto.PrivateKey {
	data, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		fail(fmt.Errorf("no PEM block in %s", path))
	}
	if key, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		return key
	}
	if key, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return key
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		fail(fmt.Errorf("cannot parse the private key in %s: %v", path, err))
	}
	return key
}

func main() {
	if len(os.Args) != 5 {
		fail(fmt.Errorf("usage: %s URL CA_FILE CERT_FILE KEY_FILE", os.Args[0]))
	}
	url, caFile, certFile, keyFile := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	caPem, err := os.ReadFile(caFile)
	if err != nil {
		fail(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPem) {
		fail(fmt.Errorf("no CA certificate in %s", caFile))
	}
	// Set field by field: tls.X509KeyPair would refuse a key that does not match.
	cert := tls.Certificate{Certificate: certificateChain(certFile), PrivateKey: privateKey(keyFile)}
	client := &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{
				RootCAs: roots,
				GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
					return &cert, nil
				},
			},
			ForceAttemptHTTP2: true,
		},
	}
	out := json.NewEncoder(os.Stdout)
	res, err := client.Get(url)
	if err != nil {
		out.Encode(map[string]string{"error": err.Error()})
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		out.Encode(map[string]string{"error": err.Error()})
		return
	}
	out.Encode(map[string]interface{}{"status": res.StatusCode, "body": string(body)})
}
