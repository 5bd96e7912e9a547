//! Domain snapshot XML (placeholder; being written by helper xmlother).
