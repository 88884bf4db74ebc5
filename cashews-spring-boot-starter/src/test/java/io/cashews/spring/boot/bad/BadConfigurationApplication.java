package io.cashews.spring.boot.bad;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** An application that scans nothing: each test adds the one misconfigured bean it checks. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class BadConfigurationApplication {}
