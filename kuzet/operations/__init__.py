"""Running a deployment: backups that restore (`kuzet backup`, `kuzet restore`, the restore drill) and the
load test."""
