// Command devserver runs humop's dev server: the operator API, in memory or
// on a bbolt file, with development conveniences on by default.
//
//	go run ./cmd/devserver [-addr 127.0.0.1:8080] [-kyc-auto-approve=false]
//
// Every flag has an environment variable of the same meaning (ADDR,
// KYC_AUTO_APPROVE); a flag given on the command line wins. ENVIRONMENT
// (default "development") turns the conveniences off when set to anything
// else. The server stops cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "devserver: ") {
			msg = "devserver: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
		os.Exit(1)
	}
}
