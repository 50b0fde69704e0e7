/tmp/opora-incremental/content/services/ru-ba/bash-db.md
