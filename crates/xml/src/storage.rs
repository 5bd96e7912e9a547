//! storage XML (placeholder; being written by helper xmlother).
