FROM a AS Build-1
FROM Build-1 AS second.stage
FROM second.stage
