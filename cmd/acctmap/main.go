// Command acctmap is the command line of the acctmap library, for partner
// managers and data engineers: it keeps a network of orgs, their CSV data,
// populations, partnerships and sharing rules in a workspace file, and prints
// account mapping matrices and reports.
//
//	acctmap init --org "Acme Analytics" --user ann
//	acctmap import ours.csv --populations-from Stage --yes
//	acctmap import partner.csv --new-partner "Bolt Warehouse" --populations-from Status --yes
//	acctmap matrix "Bolt Warehouse"
//
// The workspace is a boltstore file, ./acctmap.db unless --workspace FILE or
// ACCTMAP_WORKSPACE says otherwise, or a PostgreSQL database with
// --db postgres://… (or ACCTMAP_DB). Commands act as the current user, set by
// init or use and kept in a small file beside the workspace; --as USER (or
// ACCTMAP_USER) acts as another for one command.
//
// Exit codes: 0 success; 1 failure (the message names what to fix); 2 usage
// error (unknown command or flag, a missing or invalid argument, a --where
// that does not parse); 130 interrupted (Ctrl-C: nothing was changed).
//
// Run "acctmap help" for the commands and "acctmap help where" for the filter
// expressions.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], system())
	stop()
	os.Exit(code)
}
