// Command step-ca starts a smallstep certificate authority from a ca.json.
//
// Debian ships smallstep/certificates 0.19 only as a Go library, so Phoenix's
// tests build this small entry point against it (scripts/build-step-ca.sh) to
// run the real CA with the configuration and keys Phoenix generates.
//
// Usage: step-ca [--password-file FILE] [--resolver HOST:PORT] CA_JSON
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"unicode"

	"github.com/smallstep/certificates/authority/config"
	"github.com/smallstep/certificates/ca"

	// The key and CA backends a soft (file-based) CA needs.
	_ "github.com/smallstep/certificates/cas/softcas"
	_ "github.com/smallstep/certificates/kms/softkms"
)

func fatal(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

func main() {
	passwordFile := flag.String("password-file", "", "file holding the password of the intermediate key")
	resolver := flag.String("resolver", "", "DNS resolver host:port used instead of the system one")
	flag.Parse()
	if flag.NArg() != 1 {
		fatal(fmt.Errorf("usage: step-ca [--password-file FILE] [--resolver HOST:PORT] CA_JSON"))
	}
	configFile := flag.Arg(0)

	cfg, err := config.LoadConfiguration(configFile)
	if err != nil {
		fatal(err)
	}

	var password []byte
	if *passwordFile != "" {
		if password, err = os.ReadFile(*passwordFile); err != nil {
			fatal(fmt.Errorf("error reading %s: %w", *passwordFile, err))
		}
		password = bytes.TrimRightFunc(password, unicode.IsSpace)
	}

	if *resolver != "" {
		addr := *resolver
		net.DefaultResolver.PreferGo = true
		net.DefaultResolver.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	}

	srv, err := ca.New(cfg, ca.WithConfigFile(configFile), ca.WithPassword(password))
	if err != nil {
		fatal(err)
	}
	// SIGHUP reloads ca.json, SIGINT/SIGTERM stop the server gracefully.
	go ca.StopReloaderHandler(srv)
	if err = srv.Run(); err != nil && err != http.ErrServerClosed {
		fatal(err)
	}
}
