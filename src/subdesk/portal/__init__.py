"""The customer portal: server-rendered pages for every customer task, in English and German."""
