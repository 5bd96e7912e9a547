//! capabilities XML (placeholder; being written by helper xmlother).
