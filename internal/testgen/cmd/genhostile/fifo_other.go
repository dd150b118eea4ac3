//go:build !unix

package main

import "errors"

func mkfifo(string, uint32) error { return errors.New("no FIFOs on this system") }
