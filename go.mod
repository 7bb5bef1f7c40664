module github.com/tokenwatch/tokenwatch

go 1.26.0
