-- SPDX-License-Identifier: MIT
-- wrk script: JSON arrays of BATCH simulator-shaped measurements per POST,
-- every point new. Bodies come from one template per thread whose points
-- lie inside one minute; each request fills in another minute (and, when
-- minutes run out, another sensor), so that building a body costs wrk
-- one substitution instead of a thousand formats.
local batch = tonumber(os.getenv("BATCH") or "1000")
-- Set per thread by setup(); a global, since thread:set writes globals.
thread_id = 0
local next_thread = 0
local template = nil
local counter = 0
local first_minute = math.floor(os.time() / 60) - 7 * 24 * 60

function setup(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  math.randomseed(1000 + thread_id)
  local parts = {}
  for i = 1, batch do
    local us = math.floor((i - 1) * 60000000 / batch) + math.random(0, 999)
    parts[i] = string.format(
      '{"sensor_id":"@S","timestamp":"@M:%02d.%06dZ","temperature":%.1f,"conductivity":%d}',
      math.floor(us / 1000000), us % 1000000,
      math.random(200, 300) / 10, math.random(1000, 3000))
  end
  template = "[" .. table.concat(parts, ",") .. "]"
end

request = function()
  local minutes = 7 * 24 * 60
  local sensor = string.format("load_%d_%d", thread_id,
                               math.floor(counter / minutes))
  local minute = os.date("!%Y-%m-%dT%H:%M",
                         (first_minute + counter % minutes) * 60)
  counter = counter + 1
  local body = template:gsub("@S", sensor):gsub("@M", minute)
  return wrk.format("POST", "/measurements",
                    {["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  if status ~= 201 then
    io.stderr:write("status " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
