//go:build unix

package main

import "syscall"

func mkfifo(p string, mode uint32) error { return syscall.Mkfifo(p, mode) }
