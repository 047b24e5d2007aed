// Package integration is an example of integration tests written against
// humop's dev server. It holds no code: its tests (lifecycle_test.go) start
// an isolated dev server per test with devserver.Start and drive it over
// HTTP as any client would, the agent with its API key and the operator
// with a signed session token from the dev server's token issuer.
//
//	go test ./examples/integration
package integration
