package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// secrets are generated on first start and kept in the data dir, mode 0600.
type secrets struct {
	APIKey    string `json:"api_key"`
	APISecret string `json:"api_secret"`
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// loadSecrets reads dataDir/secrets.json, creating it if it does not exist.
func loadSecrets(dataDir string) (secrets, error) {
	path := filepath.Join(dataDir, "secrets.json")
	b, err := os.ReadFile(path)
	if err == nil {
		var s secrets
		if err := json.Unmarshal(b, &s); err != nil || s.APIKey == "" || len(s.APISecret) < 32 {
			return secrets{}, fmt.Errorf("secrets: %s is damaged; move it away to generate new ones", path)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return secrets{}, fmt.Errorf("secrets: %w", err)
	}
	s := secrets{APIKey: "HR" + randomHex(6), APISecret: randomHex(32)}
	b, _ = json.MarshalIndent(s, "", "  ")
	if err := writeFileExcl(path, b); err != nil {
		return secrets{}, err
	}
	return s, nil
}

// writeFileExcl writes a new file with mode 0600, atomically, never
// replacing an existing one.
func writeFileExcl(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(b)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path) // fails if path exists
	}
	if err != nil {
		return fmt.Errorf("secrets: write %s: %w", path, err)
	}
	return nil
}

// selfSignedCert returns the paths of a self-signed certificate and key in
// dataDir/tls, creating them on first use. The certificate names localhost,
// this host's name and its addresses, so LAN browsers can be told to trust it.
func selfSignedCert(dataDir string) (certFile, keyFile string, err error) {
	dir := filepath.Join(dataDir, "tls")
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if _, err := os.Stat(certFile); err == nil {
		return certFile, keyFile, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("tls: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("tls: %w", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"hearingroom"}, CommonName: "hearingroom self-signed"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
	}
	if h, err := os.Hostname(); err == nil {
		tmpl.DNSNames = append(tmpl.DNSNames, h)
	}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ipn.IP)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", "", fmt.Errorf("tls: %w", err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("tls: %w", err)
	}
	if err := writeFileExcl(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})); err != nil {
		return "", "", err
	}
	if err := writeFileExcl(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}
