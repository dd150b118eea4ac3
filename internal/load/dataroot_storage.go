package load

func openStorageRoot(fs *rootFS, opts Options) (engineRoot, bool, error) { return nil, false, nil }
