import time

def main():
  while True:
    print("Hello world!")
    time.sleep(10)

if __name__ == "__main__":
  main()
