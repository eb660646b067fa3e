// Package acctmap is an embeddable library for partner account mapping:
// companies find the accounts they share with their partners, see overlap
// counts for every pair of their segments (populations), and reveal
// record-level data only where the data's owner allows it.
//
// The entry point is a Network, created over a Store (see memstore for the
// embedded default). Canonical keys come from package normalize and CSV
// files are read by package csvsource.
package acctmap
