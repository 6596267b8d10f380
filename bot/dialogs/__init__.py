"""Channel-neutral conversation layers, one package per feature."""
